namespace MediaGraph;

/// <summary>How a container marks a stream (FFmpeg's AV_DISPOSITION_* flags; ffprobe's "disposition"): the one a
/// player picks by default, a forced subtitle, cover art ...</summary>
[Flags]
public enum StreamDisposition
{
    None = 0,
    Default = 1 << 0,
    Dub = 1 << 1,
    Original = 1 << 2,
    Comment = 1 << 3,
    Lyrics = 1 << 4,
    Karaoke = 1 << 5,
    Forced = 1 << 6,
    HearingImpaired = 1 << 7,
    VisualImpaired = 1 << 8,
    CleanEffects = 1 << 9,
    /// <summary>A picture attached to the file (cover art): one packet, not a video to decode frame by frame.</summary>
    AttachedPic = 1 << 10,
    TimedThumbnails = 1 << 11,
    NonDiegetic = 1 << 12,
    Captions = 1 << 16,
    Descriptions = 1 << 17,
    Metadata = 1 << 18,
    Dependent = 1 << 19,
    StillImage = 1 << 20,
}

/// <summary>ffprobe's names for the disposition flags.</summary>
public static class StreamDispositionNames
{
    private static readonly (StreamDisposition Flag, string Name)[] Names =
    [
        (StreamDisposition.Default, "default"), (StreamDisposition.Dub, "dub"), (StreamDisposition.Original, "original"),
        (StreamDisposition.Comment, "comment"), (StreamDisposition.Lyrics, "lyrics"), (StreamDisposition.Karaoke, "karaoke"),
        (StreamDisposition.Forced, "forced"), (StreamDisposition.HearingImpaired, "hearing_impaired"),
        (StreamDisposition.VisualImpaired, "visual_impaired"), (StreamDisposition.CleanEffects, "clean_effects"),
        (StreamDisposition.AttachedPic, "attached_pic"), (StreamDisposition.TimedThumbnails, "timed_thumbnails"),
        (StreamDisposition.NonDiegetic, "non_diegetic"), (StreamDisposition.Captions, "captions"),
        (StreamDisposition.Descriptions, "descriptions"), (StreamDisposition.Metadata, "metadata"),
        (StreamDisposition.Dependent, "dependent"), (StreamDisposition.StillImage, "still_image"),
    ];

    /// <summary>The names of the flags that are set, in ffprobe's order ("default", "forced").</summary>
    public static IReadOnlyList<string> ToNames(this StreamDisposition disposition)
        => Names.Where(n => (disposition & n.Flag) != 0).Select(n => n.Name).ToArray();
}
