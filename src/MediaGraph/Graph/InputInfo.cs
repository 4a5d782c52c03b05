using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>What an input holds: container format, duration, start time and streams (like ffprobe).</summary>
public sealed partial record InputInfo(string Url, string Format, double DurationSeconds, double StartSeconds, IReadOnlyList<StreamDescription> Streams)
{
    /// <summary>Opens <paramref name="url"/>, reads its stream info and closes it.</summary>
    public static InputInfo Probe(string url, DecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (LocalFileProblem(url) is { } problem) throw new MediaGraphException(null, problem, NativeStatus.NotFound);
        options ??= new DecodeOptions();
        using var demuxer = Demuxer.Open(url, options.Format, options.FormatOptionsString, null);
        return Describe(demuxer);
    }

    /// <summary>Describes an open input.</summary>
    internal static InputInfo Describe(Demuxer demuxer)
    {
        var url = demuxer.Url;
        var duration = demuxer.Duration;
        var start = demuxer.StartTime;
        return new InputInfo(url, demuxer.FormatName,
            duration == Timestamp.None ? double.NaN : duration / 1e6,
            start == Timestamp.None ? double.NaN : start / 1e6,
            demuxer.Streams());
    }

    /// <summary>Why a local input path cannot be read (missing, a folder), or null; URLs are left to FFmpeg.</summary>
    internal static string? LocalFileProblem(string url)
    {
        if (url == "-" || IsUrl(url) || File.Exists(url)) return null;
        return Directory.Exists(url)
            ? $"input '{url}' is a folder, not a media file"
            : $"input file '{url}' does not exist (current directory: {Environment.CurrentDirectory})";
    }

    /// <summary>True for "proto:..." (rtsp://, http://, file:, pipe:, udp:// ...): FFmpeg opens those, not the file system.</summary>
    internal static bool IsUrl(string path) => UrlPrefix().IsMatch(path);

    /// <summary>True for inputs that can be read only once (a pipe, standard input).</summary>
    internal static bool IsReadOnce(string url) => url == "-" || url.StartsWith("pipe:", StringComparison.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]+:")]
    private static partial System.Text.RegularExpressions.Regex UrlPrefix();

    /// <summary>A few lines like ffprobe's summary.</summary>
    public override string ToString() =>
        $"{Url}: {Format}, duration {DurationSeconds:0.000} s, start {StartSeconds:0.000} s" + Environment.NewLine +
        string.Join(Environment.NewLine, Streams.Select(s => "  " + s));
}
