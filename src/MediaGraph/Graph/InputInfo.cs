using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>What an input holds: container format, duration, start time, size, bit rate, tags and streams (what
/// <c>ffprobe -show_format -show_streams</c> says).</summary>
public sealed partial record InputInfo(string Url, string Format, double DurationSeconds, double StartSeconds, IReadOnlyList<StreamDescription> Streams)
{
    /// <summary>The format's descriptive name ("QuickTime / MOV"; ffprobe's format_long_name), "" when it has none.</summary>
    public string FormatLongName { get; init; } = "";
    /// <summary>The input's size in bytes (ffprobe's size), -1 when unknown (a pipe, a live stream).</summary>
    public long SizeBytes { get; init; } = -1;
    /// <summary>The container's bit rate in bits per second (ffprobe's format bit_rate), 0 when unknown.</summary>
    public long BitRate { get; init; }
    /// <summary>The container's metadata (title, encoder, creation_time ...) as ffprobe lists it under "tags".</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Opens <paramref name="url"/> under <paramref name="options"/>' input policy (protocol whitelist,
    /// timeouts), reads its stream info and closes it. <paramref name="cancellationToken"/> aborts a blocked open.</summary>
    public static InputInfo Probe(string url, DecodeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (LocalFileProblem(url) is { } problem) throw new MediaGraphException(null, problem, NativeStatus.NotFound);
        options ??= new DecodeOptions();
        using var demuxer = InputPolicy.Open(url, options, null, cancellationToken);
        return Describe(demuxer);
    }

    /// <summary>Describes an open input.</summary>
    internal static InputInfo Describe(Demuxer demuxer)
    {
        var url = demuxer.Url;
        var duration = demuxer.Duration;
        var start = demuxer.StartTime;
        var details = demuxer.FormatDetails();
        return new InputInfo(url, demuxer.FormatName,
            duration == Timestamp.None ? double.NaN : duration / 1e6,
            start == Timestamp.None ? double.NaN : start / 1e6,
            demuxer.Streams().Select(st => st with { Problem = DecodeProblem(demuxer, st) }).ToArray())
        {
            FormatLongName = details.LongName,
            SizeBytes = details.Size,
            BitRate = details.BitRate,
            Tags = demuxer.Tags(-1),
        };
    }

    /// <summary>Why stream <paramref name="stream"/> cannot be decoded, or null. As ffprobe, which opens a decoder for
    /// every stream: one single-threaded decoder is opened on the stream's parameters and closed. An audio stream
    /// without a sample rate or channels is unusable even when its decoder opens (av_find_best_stream skips it too).</summary>
    private static string? DecodeProblem(Demuxer demuxer, StreamDescription stream)
    {
        if (stream.Kind is not (MediaKind.Video or MediaKind.Audio)) return null;
        if (stream.Kind == MediaKind.Audio && (stream.SampleRate <= 0 || stream.Channels <= 0))
            return $"an audio stream with {stream.SampleRate} Hz and {stream.Channels} channels cannot be decoded";
        try
        {
            using var parameters = demuxer.CodecParameters(stream.Index);
            using var decoder = new Decoder(parameters, stream.Codec, null, 1, null, "probe");
            return null;
        }
        catch (MediaGraphException e)
        {
            return e.Cause;
        }
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
    internal static bool IsUrl(string path) => UrlPrefix().IsMatch(path) || InputPolicy.Schemes(path).First() == "subfile";

    /// <summary>True for inputs that can be read only once (a pipe, standard input).</summary>
    internal static bool IsReadOnce(string url) => url == "-" || url.StartsWith("pipe:", StringComparison.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]+:")]
    private static partial System.Text.RegularExpressions.Regex UrlPrefix();

    /// <summary>A few lines like ffprobe's summary: the input, its tags, then each stream with its own tags.</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append($"{Url}: {Format}").Append(FormatLongName.Length > 0 ? $" ({FormatLongName})" : "").Append($", duration {DurationSeconds:0.000} s, start {StartSeconds:0.000} s");
        if (SizeBytes >= 0) text.Append($", {SizeBytes} bytes");
        if (BitRate > 0) text.Append($", {BitRate / 1000} kb/s");
        AppendTags(text, Tags, "    ");
        foreach (var s in Streams)
        {
            text.AppendLine().Append("  ").Append(s).Append(s.Details());
            AppendTags(text, s.Tags, "      ");
        }
        return text.ToString();
    }

    private static void AppendTags(System.Text.StringBuilder text, IReadOnlyDictionary<string, string> tags, string indent)
    {
        foreach (var (key, value) in tags) text.AppendLine().Append(indent).Append(key).Append(": ").Append(value.ReplaceLineEndings(" "));
    }
}
