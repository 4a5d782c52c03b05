using System.Globalization;
using System.Security.Cryptography;

namespace MediaGraph.Tests;

/// <summary>One decoded frame as the oracle tests compare it: its presentation time in microseconds (exact for the
/// 25 and 50 fps clips the tests use), its size and pixel format, and the MD5 of its planes packed row after row
/// with no padding (what the ffmpeg CLI's <c>-f framemd5</c> hashes: rawvideo packets, <c>av_image_copy_to_buffer</c>
/// with align 1).</summary>
public sealed record OracleFrame(long PtsMicroseconds, int Width, int Height, string PixelFormat, string Md5)
{
    public override string ToString() => $"{PtsMicroseconds / 1e6:0.000000} s {Width}x{Height} {PixelFormat} {Md5}";
}

/// <summary>Frames of a filter run by MediaGraph (pulled from an app sink) and by the ffmpeg CLI (<c>-f framemd5</c>),
/// in the same <see cref="OracleFrame"/> form, so a test compares two lists.</summary>
public static class FrameOracle
{
    /// <summary>The frames the ffmpeg CLI gives for <c>ffmpeg -i input -vf filter -f framemd5 -</c>. The CLI's
    /// output pixel format is the filter graph's (the rawvideo encoder takes every format, so the CLI adds no
    /// conversion), and framemd5 is a variable-frame-rate muxer, so the CLI neither drops nor duplicates frames.</summary>
    public static async Task<List<OracleFrame>> FfmpegAsync(string input, string filter)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffmpeg",
            $"-hide_banner -nostdin -v error -i \"{input}\" -map 0:v:0 -vf \"{filter}\" -f framemd5 -");
        if (code != 0) throw new InvalidOperationException($"ffmpeg -vf {filter} failed ({code}): {error}");
        var timeBase = (Num: 0L, Den: 0L);
        var (width, height) = (0, 0);
        var frames = new List<OracleFrame>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("#tb 0:", StringComparison.Ordinal))
            {
                var parts = line[6..].Trim().Split('/');
                timeBase = (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
            }
            else if (line.StartsWith("#dimensions 0:", StringComparison.Ordinal))
            {
                var parts = line[14..].Trim().Split('x');
                (width, height) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            }
            else if (line[0] != '#')
            {
                var fields = line.Split(',', StringSplitOptions.TrimEntries); // stream, dts, pts, duration, size, hash
                var pts = long.Parse(fields[2], CultureInfo.InvariantCulture);
                frames.Add(new OracleFrame(Microseconds(pts, timeBase.Num, timeBase.Den), width, height, "", fields[5]));
            }
        }
        return frames;
    }

    /// <summary>The frames MediaGraph gives for the stream <paramref name="build"/> adds to a fresh graph, read from
    /// an app sink (<see cref="global::MediaGraph.Graph.Sink(VideoStream, int)"/>).</summary>
    public static async Task<List<OracleFrame>> MediaGraphAsync(Func<global::MediaGraph.Graph, VideoStream> build, GraphOptions? options = null)
        => (await MediaGraphWithMetricsAsync(build, options)).Frames;

    /// <summary><see cref="MediaGraphAsync"/>, with the run's metrics.</summary>
    public static async Task<(List<OracleFrame> Frames, GraphMetrics Metrics)> MediaGraphWithMetricsAsync(Func<global::MediaGraph.Graph, VideoStream> build, GraphOptions? options = null)
    {
        var graph = new global::MediaGraph.Graph(options);
        var sink = graph.Sink(build(graph));
        var run = graph.RunAsync();
        var frames = new List<OracleFrame>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(Describe(frame));
        return (frames, await run);
    }

    /// <summary>The oracle form of <paramref name="frame"/>.</summary>
    public static OracleFrame Describe(VideoFrame frame)
        => new(Microseconds(frame.Pts, frame.TimeBase.Num, frame.TimeBase.Den), frame.Width, frame.Height, frame.Format.Name, Md5(frame));

    /// <summary>MD5 of the frame's planes, each row's pixel bytes only (no pitch padding), plane after plane.</summary>
    public static string Md5(VideoFrame frame)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        for (var p = 0; p < 4; p++)
        {
            var plane = frame.GetPlane(p);
            if (plane.Data == 0) break;
            var bytes = frame.GetPlaneSpan(p);
            for (var row = 0; row < plane.Rows; row++) md5.AppendData(bytes.Slice(row * plane.Pitch, plane.RowBytes));
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>The frames of <paramref name="frames"/> without pixel format (framemd5 does not state it; the tests
    /// check MediaGraph's format on its own).</summary>
    public static IEnumerable<OracleFrame> WithoutFormat(this IEnumerable<OracleFrame> frames) => frames.Select(f => f with { PixelFormat = "" });

    private static long Microseconds(long pts, long num, long den)
    {
        if (pts == Timestamp.None || num <= 0 || den <= 0) return long.MinValue;
        return (long)Math.Round((double)(Int128)pts * num * 1_000_000 / den);
    }
}
