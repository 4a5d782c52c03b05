using System.Globalization;

namespace MediaGraph;

/// <summary>What goes in the label drawn beside each result (combine with |).</summary>
[Flags]
public enum LabelFields
{
    /// <summary>No label: boxes and polygons only.</summary>
    None = 0,
    /// <summary>The track id ("#3"), when a <see cref="TrackNode"/> gave one.</summary>
    Track = 1,
    /// <summary>A detection's label (its class index when the model has no labels).</summary>
    Label = 2,
    /// <summary>The detector's score, or the recogniser's confidence for a line of text ("0.97").</summary>
    Score = 4,
    /// <summary>The recognised text of a line.</summary>
    Text = 8,
    /// <summary>Track id, label and text.</summary>
    Default = Track | Label | Text,
    /// <summary>Everything.</summary>
    All = Track | Label | Score | Text,
}

/// <summary>How each result is coloured.</summary>
public enum ColorBy
{
    /// <summary>By track id, so an object keeps its colour across frames; results without one by class.</summary>
    Track,
    /// <summary>By class (every text line is class 0).</summary>
    Class,
    /// <summary>All in <see cref="DrawOptions.Color"/>.</summary>
    Single,
}

/// <summary>How <see cref="DrawDetectionsNode"/> draws.</summary>
public sealed class DrawOptions
{
    /// <summary>Which fields the labels show (default track id, label and text).</summary>
    public LabelFields Label { get; init; } = LabelFields.Default;
    /// <summary>How results are coloured (default by track).</summary>
    public ColorBy ColorBy { get; init; } = ColorBy.Track;
    /// <summary>The colour of <see cref="ColorBy.Single"/>, "#RRGGBB" (default "#00FF00").</summary>
    public string Color { get; init; } = "#00FF00";
    /// <summary>Width of box and polygon lines in pixels (default 2).</summary>
    public int LineWidth { get; init; } = 2;
    /// <summary>Label text height in pixels (default 16).</summary>
    public double FontSize { get; init; } = 16;
    /// <summary>Opacity of the colour filling each box or polygon, 0 (outline only, the default) to 1.</summary>
    public double FillOpacity { get; init; }
    /// <summary>Draw text regions and lines as their polygons (default) rather than their bounding boxes.</summary>
    public bool Polygons { get; init; } = true;
    /// <summary>A TrueType/OpenType font file for the labels; null finds DejaVu Sans (Debian's fonts-dejavu-core).</summary>
    public string? FontFile { get; init; }
}

/// <summary>
/// Draws the inference results riding on each frame: boxes of <see cref="Detections"/>, polygons (or boxes) of
/// <see cref="TextDetections"/> and <see cref="TextLines"/>, each with a label (track id from <see cref="Tracks"/>,
/// class label, score, recognised text, as <see cref="DrawOptions.Label"/> says) in a real font, antialiased,
/// coloured per track or per class. The annotations become a list of primitives (<see cref="DrawPlan"/>: rectangle
/// outlines and fills with exact area coverage, polygon strokes and fills sampled 4×4 per pixel, glyphs that Skia
/// rasterised once into an atlas), painted into a transparent layer and blended into the frame in its own pixel
/// format (YUV through the frame's matrix and range in fixed point; chroma of 4:2:0 and 4:2:2 from the layer summed
/// over each chroma sample), so pixels away from the annotations stay bit-exact and no format conversion is paid.
/// Runs where the frames live: on host frames in C# (formats yuv420p, yuvj420p, yuv422p, yuvj422p, yuv444p,
/// yuvj444p, nv12, gray, rgb24, bgr24, rgba, bgra, argb, abgr), on device frames with ILGPU kernels
/// (<see cref="Kernels.DrawKernels"/>; the YUV and gray formats), the same picture bit for bit; the "device" option
/// cpu keeps it on the host. A frame with nothing to draw passes untouched; a frame shared with another branch is
/// copied before drawing, so the other branch never sees the drawing. Emits each frame as it comes, timing and
/// metadata kept. The font is checked at graph validation. Labels are drawn in the one font given: glyphs it lacks
/// (DejaVu Sans has no CJK) show as boxes.
/// </summary>
public sealed class DrawDetectionsNode : TransformNode
{
    private static readonly (string Name, LabelFields Field)[] FieldNames =
        [("track", LabelFields.Track), ("label", LabelFields.Label), ("score", LabelFields.Score), ("text", LabelFields.Text)];

    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "draw-detections",
        Doc = "Draws boxes, polygons and labels (track id, class, score, text) of the inference results on each frame.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.String("label", "The label's fields, comma-separated: track, label, score, text; \"none\" for no label.", "track,label,text", rule: LabelProblem),
            Parameter.Enum("colorBy", "Colour per track id, per class, or one colour.", ColorBy.Track, ("track", ColorBy.Track), ("class", ColorBy.Class), ("single", ColorBy.Single)),
            Parameter.String("color", "The colour of colorBy single, #RRGGBB.", "#00FF00", rule: c => ParseColor(c) is null ? "give #RRGGBB" : null),
            Parameter.Int("lineWidth", "Width of box and polygon lines in pixels.", @default: 2, min: 1, max: 64),
            Parameter.Double("fontSize", "Label text height in pixels.", @default: 16, min: 4, max: 512),
            Parameter.Double("fillOpacity", "Opacity of the colour filling boxes and polygons (0: outline only).", @default: 0, min: 0, max: 1),
            Parameter.Bool("polygons", "Draw text regions and lines as polygons rather than bounding boxes.", @default: true),
            Parameter.String("font", "A TrueType/OpenType font file for the labels (default DejaVu Sans)."),
            DeviceOption.Declaration,
        ],
        Create = v => new DrawDetectionsNode(v),
    };

    /// <summary>Draws as <paramref name="options"/> say (defaults when null).</summary>
    public DrawDetectionsNode(DrawOptions? options = null) : this(ToValues(options ?? new DrawOptions())) { }

    private DrawDetectionsNode(ParameterValues values) : base(Descriptor, values) { }

    private static ParameterValues ToValues(DrawOptions o) => new()
    {
        ["label"] = FormatFields(o.Label), ["colorBy"] = o.ColorBy, ["color"] = o.Color, ["lineWidth"] = o.LineWidth,
        ["fontSize"] = o.FontSize, ["fillOpacity"] = o.FillOpacity, ["polygons"] = o.Polygons, ["font"] = o.FontFile,
    };

    /// <summary>The options this node draws with.</summary>
    public DrawOptions Options => new()
    {
        Label = ParseFields(Values.Get<string>("label"))!.Value,
        ColorBy = Values.Get<ColorBy>("colorBy"),
        Color = Values.Get<string>("color"),
        LineWidth = Values.Get<int>("lineWidth"),
        FontSize = Values.Get<double>("fontSize"),
        FillOpacity = Values.Get<double>("fillOpacity"),
        Polygons = Values.Get<bool>("polygons"),
        FontFile = Values.Get<string?>("font"),
    };

    /// <summary>Where the label font is read from: <see cref="DrawOptions.FontFile"/>, else the first DejaVu Sans
    /// found in the usual places; null when there is none.</summary>
    internal string? FontPath => Values.Get<string?>("font") is { Length: > 0 } given ? given : DefaultFonts.FirstOrDefault(File.Exists);

    internal static readonly string[] DefaultFonts =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf", "/Library/Fonts/Arial.ttf", @"C:\Windows\Fonts\arialbd.ttf",
    ];

    /// <inheritdoc />
    protected internal override void Validate(ValidationContext context)
    {
        if (Values.Get<string?>("font") is { Length: > 0 } given)
        {
            if (!File.Exists(given)) context.Problem(this, $"font file '{given}' does not exist");
        }
        else if (FontPath is null)
            context.Problem(this, $"no font for the labels: install DejaVu Sans (Debian: apt-get install fonts-dejavu-core) or give a font file; looked for {string.Join(", ", DefaultFonts)}");
    }

    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        var frame = (VideoFrame)first;
        var font = FontPath ?? throw new MediaGraphException(Name, "no font for the labels (see validation)");
        if (location != FrameLocation.Host) return DrawDetectionsCuda.Create(Options, font, frame, Name);
        var layout = FrameBlend.Layout(frame)
            ?? throw new MediaGraphException(Name, $"draw-detections cannot draw on {frame.Format} frames; convert them first (e.g. ConvertTo(\"yuv420p\")) — it draws on {FrameBlend.Supported}");
        return new DrawDetectionsCpu(Options, font, frame.Width, frame.Height, layout, Name);
    }

    internal static LabelFields? ParseFields(string text)
    {
        var fields = LabelFields.None;
        if (text.Trim() is "none" or "") return fields;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = FieldNames.FirstOrDefault(f => f.Name == part);
            if (match.Name is null) return null;
            fields |= match.Field;
        }
        return fields;
    }

    private static string FormatFields(LabelFields fields)
        => fields == LabelFields.None ? "none" : string.Join(",", FieldNames.Where(f => fields.HasFlag(f.Field)).Select(f => f.Name));

    private static string? LabelProblem(string text)
        => ParseFields(text) is null ? $"give a comma-separated list of {string.Join(", ", FieldNames.Select(f => f.Name))}, or none" : null;

    /// <summary>"#RRGGBB" → (r, g, b); null when malformed.</summary>
    internal static (byte R, byte G, byte B)? ParseColor(string text)
    {
        if (text.Length != 7 || text[0] != '#' || !uint.TryParse(text.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var rgb)) return null;
        return ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
    }
}
