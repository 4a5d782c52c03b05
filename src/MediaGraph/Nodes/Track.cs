namespace MediaGraph;

/// <summary>
/// Gives the results on each frame stable ids across frames (DeepStream's nvtracker; SORT: a constant-velocity Kalman
/// filter per object and an optimal IoU assignment, see <see cref="SortTracker"/>). Follows <see cref="Detections"/>
/// (per class), <see cref="TextLines"/> or <see cref="TextDetections"/> by their bounding boxes, and puts
/// <see cref="Tracks"/> on every frame that carries them (ids of the confirmed tracks matched on that frame). One
/// tracker per node, so per stream, frames in order; a frame without results ages every track by one frame. Pixels
/// untouched, so host and device frames alike. Place it after the node whose results it follows (after
/// <c>ReadText()</c>, not between its detector and recogniser, which replace the regions with lines). Emits each
/// frame as it comes; completes when its input does.
/// </summary>
public sealed class TrackNode : Node
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "track",
        Doc = "Gives detections and text lines stable track ids across frames (SORT: Kalman motion model, IoU assignment).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Int("maxAge", "Frames a track may go unmatched before it ends (an object back after that gets a new id).", @default: 15, min: 0),
            Parameter.Int("minHits", "Frames in a row a new object must be seen in before it gets an id.", @default: 3, min: 1),
            Parameter.Double("iou", "The least IoU between a track's predicted box and a detection for them to match.", @default: 0.3, min: 0, max: 1),
            Parameter.Enum("source", "Which results to follow.", TrackSource.Auto,
                ("auto", TrackSource.Auto), ("detections", TrackSource.Detections), ("text-lines", TrackSource.TextLines), ("text-regions", TrackSource.TextRegions)),
        ],
        Create = v => new TrackNode(v),
    };

    /// <summary>A tracker with <paramref name="options"/> (defaults when null).</summary>
    public TrackNode(TrackOptions? options = null) : this(ToValues(options ?? new TrackOptions())) { }

    private TrackNode(ParameterValues values) : base(Descriptor, values) { }

    private static ParameterValues ToValues(TrackOptions o) => new()
    {
        ["maxAge"] = o.MaxAge, ["minHits"] = o.MinHits, ["iou"] = o.IouThreshold, ["source"] = o.Source,
    };

    /// <summary>The options this node tracks with.</summary>
    public TrackOptions Options => new()
    {
        MaxAge = Values.Get<int>("maxAge"),
        MinHits = Values.Get<int>("minHits"),
        IouThreshold = Values.Get<double>("iou"),
        Source = Values.Get<TrackSource>("source"),
    };

    /// <summary>Tracking is a few microseconds of arithmetic a frame and never blocks.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;

    protected internal override NodeInstance CreateInstance() => new Instance(Options);

    private sealed class Instance(TrackOptions options) : NodeInstance
    {
        private readonly SortTracker _tracker = new(options);
        private BoxF32[] _boxes = new BoxF32[16];
        private int[] _classes = new int[16];
        private TrackSource _following = options.Source;

        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            var frame = (VideoFrame)item;
            var count = Collect(frame.Metadata);
            if (count >= 0)
            {
                var tracked = _tracker.Step(_boxes.AsSpan(0, count), _classes.AsSpan(0, count));
                frame.Metadata.Set(new Tracks(_following, tracked));
            }
            else _tracker.Step([], []); // nothing on this frame: every track ages
            return context.EmitAsync(0, frame, cancellationToken);
        }

        /// <summary>Copies the boxes (and classes) of the followed results; -1 when the frame carries none. With
        /// <see cref="TrackSource.Auto"/> the first kind seen is followed from then on.</summary>
        private int Collect(FrameMetadata metadata)
        {
            var source = _following;
            if ((source is TrackSource.Auto or TrackSource.Detections) && metadata.TryGet<Detections>(out var detections))
            {
                Ensure(detections.Items.Count);
                for (var i = 0; i < detections.Items.Count; i++) (_boxes[i], _classes[i]) = (detections.Items[i].Box, detections.Items[i].Class);
                _following = TrackSource.Detections;
                return detections.Items.Count;
            }
            if ((source is TrackSource.Auto or TrackSource.TextLines) && metadata.TryGet<TextLines>(out var lines))
            {
                Ensure(lines.Lines.Count);
                for (var i = 0; i < lines.Lines.Count; i++) (_boxes[i], _classes[i]) = (lines.Lines[i].Bounds, 0);
                _following = TrackSource.TextLines;
                return lines.Lines.Count;
            }
            if ((source is TrackSource.Auto or TrackSource.TextRegions) && metadata.TryGet<TextDetections>(out var regions))
            {
                Ensure(regions.Regions.Count);
                for (var i = 0; i < regions.Regions.Count; i++) (_boxes[i], _classes[i]) = (regions.Regions[i].Bounds, 0);
                _following = TrackSource.TextRegions;
                return regions.Regions.Count;
            }
            return -1;
        }

        private void Ensure(int count)
        {
            if (_boxes.Length >= count) return;
            _boxes = new BoxF32[count * 2];
            _classes = new int[count * 2];
        }
    }
}
