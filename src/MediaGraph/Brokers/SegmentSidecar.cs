using System.Globalization;
using System.Text.Json;

namespace MediaGraph.Brokers;

/// <summary>
/// What an edge box says about one muxed segment (a 3-second MPEG-TS chunk): which camera, where it sits on the
/// camera's timeline, how many frames, the picture size and codec, its size, and the wall-clock time it began. It is
/// the JSON written beside the chunk file (<see cref="WriteBeside"/>) and carried with every part of it on a broker
/// (<see cref="SegmentPublisher"/>):
/// <c>{"stream":"cam1","sequence":3,"file":"chunk-00003.ts","start":9.0,"duration":3.0,"frames":75,"width":1280,
/// "height":720,"codec":"h264","bytes":412330,"wallClockStart":"2026-...Z","keepEvery":1,"source":"rtsp://..."}</c>.
/// </summary>
/// <param name="Stream">The camera's stream id (the broker key).</param>
/// <param name="Sequence">The segment's number in its stream, from 0.</param>
/// <param name="File">The segment's file name where it was cut.</param>
/// <param name="Start">Where the segment starts on the stream's timeline, in seconds (its first frame's pts).</param>
/// <param name="Duration">From <paramref name="Start"/> to the end of its last frame, in seconds.</param>
/// <param name="Frames">Video frames in the segment.</param>
/// <param name="Width">Picture width.</param>
/// <param name="Height">Picture height.</param>
/// <param name="Codec">FFmpeg's codec name ("h264").</param>
/// <param name="Bytes">The segment file's size.</param>
/// <param name="WallClockStart">When its first frame was taken, as far as the box knows (run start + <paramref name="Start"/>).</param>
public sealed record SegmentSidecar(string Stream, long Sequence, string File, double Start, double Duration, long Frames,
    int Width, int Height, string Codec, long Bytes, DateTimeOffset WallClockStart)
{
    /// <summary>Frames kept: 1 for every frame, N for every Nth.</summary>
    public int KeepEvery { get; init; } = 1;

    /// <summary>The input the segment was cut from (a camera URL or a file), or null.</summary>
    public string? Source { get; init; }

    /// <summary>The sidecar of <paramref name="chunk"/>, a finished chunk of a segmented output (its file is read
    /// for <see cref="Bytes"/>).</summary>
    public static SegmentSidecar From(OutputChunk chunk, string stream, int width, int height, string codec, DateTimeOffset runStarted)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return new SegmentSidecar(stream, chunk.Index, Path.GetFileName(chunk.Path), Math.Round(chunk.Start.TotalSeconds, 6),
            Math.Round(chunk.Duration.TotalSeconds, 6), chunk.Frames, width, height, codec, new FileInfo(chunk.Path).Length, runStarted + chunk.Start);
    }

    /// <summary>The sidecar as UTF-8 JSON (written without reflection, so trimmed and AOT apps can use it).</summary>
    public byte[] ToJson(bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("stream", Stream);
            json.WriteNumber("sequence", Sequence);
            json.WriteString("file", File);
            json.WriteNumber("start", Start);
            json.WriteNumber("duration", Duration);
            json.WriteNumber("frames", Frames);
            json.WriteNumber("width", Width);
            json.WriteNumber("height", Height);
            json.WriteString("codec", Codec);
            json.WriteNumber("bytes", Bytes);
            json.WriteString("wallClockStart", WallClockStart.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber("keepEvery", KeepEvery);
            if (Source is not null) json.WriteString("source", Source);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>Reads a sidecar; throws <see cref="WireFormatException"/> saying which field is missing or wrong.</summary>
    public static SegmentSidecar Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var doc = JsonDocument.ParseValue(ref reader);
            var e = doc.RootElement;
            return new SegmentSidecar(e.GetProperty("stream").GetString()!, e.GetProperty("sequence").GetInt64(), e.GetProperty("file").GetString()!,
                e.GetProperty("start").GetDouble(), e.GetProperty("duration").GetDouble(), e.GetProperty("frames").GetInt64(),
                e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), e.GetProperty("codec").GetString()!,
                e.GetProperty("bytes").GetInt64(), DateTimeOffset.Parse(e.GetProperty("wallClockStart").GetString()!, CultureInfo.InvariantCulture))
            {
                KeepEvery = e.TryGetProperty("keepEvery", out var every) ? every.GetInt32() : 1,
                Source = e.TryGetProperty("source", out var source) ? source.GetString() : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new WireFormatException($"a segment sidecar that is not valid: {ex.Message}");
        }
    }

    /// <summary>Writes the sidecar as indented JSON beside <paramref name="segmentPath"/> (chunk-00003.ts →
    /// chunk-00003.json), atomically (a reader never sees half of it); returns its path.</summary>
    public string WriteBeside(string segmentPath)
    {
        var path = Path.ChangeExtension(segmentPath, ".json");
        System.IO.File.WriteAllBytes(path + ".tmp", ToJson(indented: true));
        System.IO.File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}
