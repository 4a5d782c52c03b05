namespace MediaGraph;

/// <summary>Which results on a frame a tracker follows.</summary>
public enum TrackSource
{
    /// <summary>The first present of <see cref="Detections"/>, <see cref="TextLines"/>, <see cref="TextDetections"/>.</summary>
    Auto,
    /// <summary>Objects of a detector (<see cref="Detections"/>); a track only ever matches boxes of its own class.</summary>
    Detections,
    /// <summary>Lines of text read by <c>ReadText()</c> (<see cref="TextLines"/>), by their bounding boxes.</summary>
    TextLines,
    /// <summary>Text regions of a text detector (<see cref="TextDetections"/>), by their bounding boxes.</summary>
    TextRegions,
}

/// <summary>One tracked object on a frame: its stable <see cref="Id"/> (1, 2, 3 … per tracker, in the order tracks
/// were confirmed), the index of the result it was matched to in the list the tracks follow (<see cref="Tracks.Source"/>),
/// the tracker's filtered box for this frame, and how many frames the track has been seen in.</summary>
public sealed record TrackedObject(int Id, int Index, BoxF32 Box, int Hits);

/// <summary>
/// The tracks on a frame, made by a tracker node (<c>Track()</c>): one entry per result of <see cref="Source"/> that belongs
/// to a confirmed track. Results without an entry are not (yet) tracked: seen in fewer than the tracker's min hits
/// frames in a row. Read it with <c>frame.Metadata.TryGet&lt;Tracks&gt;(out var tracks)</c>; <see cref="IdOf"/> gives a
/// result's track id. The JSON-lines sink writes each id as <c>"track"</c> on the result it belongs to.
/// </summary>
public sealed record Tracks(TrackSource Source, IReadOnlyList<TrackedObject> Items)
{
    /// <summary>The track id of result <paramref name="index"/> of <see cref="Source"/>, or null when it has none.</summary>
    public int? IdOf(int index)
    {
        foreach (var item in Items)
            if (item.Index == index) return item.Id;
        return null;
    }
}

/// <summary>How a tracker (<c>Track()</c>) tracks: SORT's parameters (see <see cref="SortTracker"/>).</summary>
public sealed class TrackOptions
{
    private int _maxAge = 15, _minHits = 3;
    private double _iou = 0.3;

    /// <summary>Frames a confirmed track may go unmatched before it ends; an object seen again after that gets a new
    /// id. Default 15 (0.6 s at 25 fps: a detector that misses an object for a few frames does not renumber it;
    /// SORT's own default, 1, suits a detector that never misses).</summary>
    public int MaxAge
    {
        get => _maxAge;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); _maxAge = value; }
    }

    /// <summary>Frames in a row a new object must be matched in before it is confirmed and gets an id (a detection
    /// seen once is not given one). Default 3, as SORT.</summary>
    public int MinHits
    {
        get => _minHits;
        init { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); _minHits = value; }
    }

    /// <summary>The least IoU between a track's predicted box and a detection for them to match. Default 0.3, as SORT.</summary>
    public double IouThreshold
    {
        get => _iou;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1); _iou = value; }
    }

    /// <summary>Which results to follow (default: whichever of detections, text lines and text regions the frames carry).</summary>
    public TrackSource Source { get; init; } = TrackSource.Auto;
}
