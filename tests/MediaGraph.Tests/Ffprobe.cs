using System.Globalization;
using System.Text.Json;

namespace MediaGraph.Tests;

/// <summary>What ffprobe says about one stream of a file.</summary>
/// <param name="Frames">Frames decoded by ffprobe (-count_frames), -1 when not counted.</param>
/// <param name="Packets">Packets read (-count_packets).</param>
/// <param name="StartTime">The stream's start time in seconds (its first pts), NaN when unknown.</param>
/// <param name="Duration">The stream's duration in seconds as the container states it, NaN when it states none.</param>
public sealed record ProbedStream(string Type, string Codec, int Width, int Height, string? FieldOrder, double StartTime,
    double Duration, long Frames, long Packets, int SampleRate, int Channels, string? PixelFormat);

/// <summary>The test oracle: runs <c>ffprobe -v error -of json ...</c> and reads its JSON.</summary>
public static class Ffprobe
{
    /// <summary>ffprobe's JSON for <paramref name="arguments"/> (the file path included); throws when ffprobe fails.</summary>
    public static async Task<JsonDocument> JsonAsync(string arguments)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffprobe", $"-v error -of json {arguments}");
        if (code != 0) throw new InvalidOperationException($"ffprobe {arguments} failed ({code}): {error}");
        return JsonDocument.Parse(output);
    }

    /// <summary>Stream <paramref name="select"/> ("v:0", "a:0") of <paramref name="path"/>, with frames decoded and
    /// packets counted.</summary>
    public static async Task<ProbedStream> StreamAsync(string path, string select = "v:0", bool countFrames = true)
    {
        var count = countFrames ? "-count_frames " : "";
        using var json = await JsonAsync($"{count}-count_packets -select_streams {select} -show_streams \"{path}\"");
        var streams = json.RootElement.GetProperty("streams");
        if (streams.GetArrayLength() == 0) throw new InvalidOperationException($"'{path}' has no stream {select}");
        var s = streams[0];
        return new ProbedStream(
            Str(s, "codec_type") ?? "",
            Str(s, "codec_name") ?? "",
            Int(s, "width"),
            Int(s, "height"),
            Str(s, "field_order"),
            Num(s, "start_time"),
            Num(s, "duration"),
            countFrames ? Long(s, "nb_read_frames") : -1,
            Long(s, "nb_read_packets"),
            Int(s, "sample_rate"),
            Int(s, "channels"),
            Str(s, "pix_fmt"));
    }

    /// <summary>The container's duration in seconds (NaN when unknown).</summary>
    public static async Task<double> FormatDurationAsync(string path)
    {
        using var json = await JsonAsync($"-show_format \"{path}\"");
        return Num(json.RootElement.GetProperty("format"), "duration");
    }

    /// <summary>Presentation times (seconds) of the decoded frames of <paramref name="select"/>, in output order,
    /// with each frame's duration.</summary>
    public static async Task<IReadOnlyList<(double Pts, double Duration)>> FrameTimesAsync(string path, string select = "v:0")
    {
        using var json = await JsonAsync($"-select_streams {select} -show_entries frame=pts_time,best_effort_timestamp_time,pkt_duration_time,duration_time \"{path}\"");
        var list = new List<(double, double)>();
        foreach (var f in json.RootElement.GetProperty("frames").EnumerateArray())
        {
            var pts = Num(f, "pts_time");
            if (double.IsNaN(pts)) pts = Num(f, "best_effort_timestamp_time");
            var duration = Num(f, "duration_time");
            if (double.IsNaN(duration)) duration = Num(f, "pkt_duration_time");
            list.Add((pts, duration));
        }
        return list;
    }

    /// <summary>First presentation time and end (pts + duration, the largest) in seconds of the packets of
    /// <paramref name="select"/>: the stream's span, for containers that state no stream duration.</summary>
    public static async Task<(double Start, double End)> PacketSpanAsync(string path, string select)
    {
        using var json = await JsonAsync($"-select_streams {select} -show_entries packet=pts_time,duration_time \"{path}\"");
        double start = double.PositiveInfinity, end = double.NegativeInfinity;
        foreach (var p in json.RootElement.GetProperty("packets").EnumerateArray())
        {
            var pts = Num(p, "pts_time");
            if (double.IsNaN(pts)) continue;
            var duration = Num(p, "duration_time");
            start = Math.Min(start, pts);
            end = Math.Max(end, pts + (double.IsNaN(duration) ? 0 : duration));
        }
        if (double.IsInfinity(start)) throw new InvalidOperationException($"'{path}' has no timed packets in stream {select}");
        return (start, end);
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : null;

    private static int Int(JsonElement e, string name) => (int)Long(e, name);

    private static long Long(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return 0;
        return v.ValueKind == JsonValueKind.Number ? v.GetInt64() : long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private static double Num(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return double.NaN;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        return double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
    }
}
