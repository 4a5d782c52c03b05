using System.Globalization;

namespace MediaGraph.Cli;

/// <summary>
/// The video and audio steps of <c>mediagraph transcode</c> after --deinterlace and --scale, in this order:
/// --trim START[,DURATION] (video trim and audio atrim, then both restart at 0 as the CLI's <c>-ss/-t</c> outputs do),
/// --every-nth N, --setpts EXPR, and each --overlay FILE@X,Y[,WxH][,START,DURATION] (an image or clip over the video,
/// seconds for the window; a still image repeats; X and Y numbers or ffmpeg overlay expressions, whose commas inside
/// parentheses do not split fields: logo.png@main_w-overlay_w-10,if(gte(t,2),10,NAN)).
/// </summary>
internal sealed record TranscodeSteps(string? Trim, int? EveryNth, string? SetPts, IReadOnlyList<string> Overlays)
{
    public bool Any => Trim is not null || EveryNth is not null || SetPts is not null || Overlays.Count > 0;

    public VideoStream Apply(Graph graph, VideoStream video)
    {
        if (Trim is not null)
        {
            var (start, duration) = ParseTrim(Trim);
            video = video.Trim(start, duration).SetPts("PTS-STARTPTS");
        }
        if (EveryNth is { } n)
            video = n >= 1 ? video.EveryNth(n) : throw new CommandException($"--every-nth {n}: give 1 or more", Program.UsageError);
        if (SetPts is not null) video = video.SetPts(SetPts);
        foreach (var spec in Overlays)
        {
            var o = ParseOverlay(spec);
            video = video.Overlay(graph.Decode(o.File).Video, o.X, o.Y, o.From, o.Duration, new OverlayOptions { Width = o.Width, Height = o.Height });
            // A bad expression is reported by the graph's validation, naming the node and where FFmpeg stopped.
        }
        return video;
    }

    public AudioStream Apply(AudioStream audio)
    {
        if (Trim is null) return audio;
        var (start, duration) = ParseTrim(Trim);
        return audio.Trim(start, duration).Filter("asetpts=PTS-STARTPTS");
    }

    /// <summary>"1.5,2" or "1.5": seconds.</summary>
    internal static (TimeSpan Start, TimeSpan? Duration) ParseTrim(string text)
    {
        var parts = text.Split(',');
        if (parts.Length is < 1 or > 2 || !TrySeconds(parts[0], out var start) || (parts.Length == 2 && !TrySeconds(parts[1], out _)))
            throw new CommandException($"--trim '{text}' is not START[,DURATION] in seconds (--trim 10,5 keeps 10 s to 15 s)", Program.UsageError);
        TimeSpan? duration = parts.Length == 2 && TrySeconds(parts[1], out var d) ? d : null;
        return (start, duration);
    }

    internal readonly record struct OverlaySpec(string File, string X, string Y, int Width, int Height, TimeSpan From, TimeSpan? Duration);

    /// <summary>"logo.png@16,16", "logo.png@0,0,300x200", "logo.png@0,0,300x200,2,10", "logo.png@0,0,2,10",
    /// "logo.png@main_w-overlay_w-10,(main_h-overlay_h)/2", "logo.png@if(gte(t,2),10+t*50,NAN),20".</summary>
    internal static OverlaySpec ParseOverlay(string text)
    {
        var at = text.LastIndexOf('@');
        var usage = $"--overlay '{text}' is not FILE@X,Y[,WxH][,START,DURATION] (logo.png@16,16,300x200,0,10: at 16,16, scaled to 300x200, for the first 10 s; X and Y may be ffmpeg overlay expressions: main_w-overlay_w-10)";
        if (at <= 0) throw new CommandException(usage, Program.UsageError);
        var fields = SplitFields(text[(at + 1)..]);
        if (fields.Count < 2 || fields[0].Trim().Length == 0 || fields[1].Trim().Length == 0)
            throw new CommandException(usage, Program.UsageError);
        var (x, y) = (fields[0].Trim(), fields[1].Trim());
        var rest = fields.Skip(2).ToList();
        int width = 0, height = 0;
        if (rest.Count > 0 && rest[0].Contains('x'))
        {
            var size = rest[0].Split('x');
            if (size.Length != 2 || !int.TryParse(size[0], CultureInfo.InvariantCulture, out width) || !int.TryParse(size[1], CultureInfo.InvariantCulture, out height)
                || width is 0 or < -1 || height is 0 or < -1 || (width == -1 && height == -1))
                throw new CommandException($"--overlay '{text}': '{rest[0]}' is not a size (300x200; -1 for one side keeps the aspect ratio)", Program.UsageError);
            rest.RemoveAt(0);
        }
        var from = TimeSpan.Zero;
        TimeSpan? duration = null;
        if (rest.Count == 2 && TrySeconds(rest[0], out from) && TrySeconds(rest[1], out var d)) duration = d;
        else if (rest.Count != 0) throw new CommandException(usage, Program.UsageError);
        return new OverlaySpec(text[..at], x, y, width, height, from, duration);
    }

    /// <summary>Splits at commas outside parentheses (an expression's own commas stay in its field).</summary>
    private static List<string> SplitFields(string text)
    {
        var fields = new List<string>();
        var (depth, start) = (0, 0);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth = Math.Max(0, depth - 1);
            else if (text[i] == ',' && depth == 0)
            {
                fields.Add(text[start..i]);
                start = i + 1;
            }
        }
        fields.Add(text[start..]);
        return fields;
    }

    private static bool TrySeconds(string text, out TimeSpan value)
    {
        var ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds);
        value = ok ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        return ok;
    }
}
