using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaGraph;

// The JSON form's own schema: the document, decode and encode nodes (registered kinds are read from their
// declarations instead, see JsonGraphReader.ReadDeclared). Every field is nullable so the reader can tell "missing" from
// "zero" and say which required field is absent; the writer leaves out what is null (the defaults).

/// <summary>The whole document: <c>{"channelCapacity": 8, "device": "cuda", "nodes": [...]}</c>.</summary>
internal sealed class GraphEntry
{
    public int? ChannelCapacity { get; set; }
    /// <summary>auto, cpu, cuda, cuda:N, cuda-sim (<see cref="GraphOptions.Device"/>).</summary>
    public string? Device { get; set; }
    public List<JsonElement>? Nodes { get; set; }
}

/// <summary>What every node has: a unique id (its name in the graph) and a type.</summary>
internal abstract class NodeEntry
{
    [JsonPropertyOrder(-2)] public string? Id { get; set; }
    [JsonPropertyOrder(-1)] public string? Type { get; set; }
    /// <summary>The subgraph the node belongs to ("logo", "outer/inner"), or null (<see cref="Node.SubgraphPath"/>).</summary>
    [JsonPropertyOrder(100)] public string? Subgraph { get; set; }
}

/// <summary><c>{"type": "decode", "url": "in.mpg", "options": {...}}</c>: an input; its streams are
/// <c>id.video</c>, <c>id.audio</c>, <c>id.video:1</c>.</summary>
internal sealed class DecodeEntry : NodeEntry
{
    public string? Url { get; set; }
    public DecodeOptionsEntry? Options { get; set; }
}

/// <summary>Every field of <see cref="DecodeOptions"/>.</summary>
internal sealed class DecodeOptionsEntry
{
    public string? Format { get; set; }
    [JsonConverter(typeof(OptionMapConverter))] public Dictionary<string, string>? FormatOptions { get; set; }
    public int? Threads { get; set; }
    public string? VideoDecoder { get; set; }
    public bool? KeepTimestamps { get; set; }
    public List<string>? Protocols { get; set; }
    public bool? AllowNetwork { get; set; }
    public bool? AllowListen { get; set; }
    public double? OpenTimeoutSeconds { get; set; }
    public double? ReadTimeoutSeconds { get; set; }
    public long? MaxPixels { get; set; }
    public string? HwAccel { get; set; }
    public bool? Reconnect { get; set; }
    public double? ReconnectDelaySeconds { get; set; }
    public double? ReconnectMaxDelaySeconds { get; set; }
    public int? ReconnectAttempts { get; set; }
    /// <summary>"block", "keep-latest" or "drop-oldest".</summary>
    public string? EdgePolicy { get; set; }
}

/// <summary><c>{"type": "encode", "path": "out.mp4", "video": "f.out0", "audio": "in.audio", "options": {...}}</c>.</summary>
internal sealed class EncodeEntry : NodeEntry
{
    public string? Path { get; set; }
    public string? Video { get; set; }
    public string? Audio { get; set; }
    public EncodeOptionsEntry? Options { get; set; }
}

/// <summary>Every field of <see cref="EncodeOptions"/>.</summary>
internal sealed class EncodeOptionsEntry
{
    public string? VideoCodec { get; set; }
    public string? AudioCodec { get; set; }
    public string? Preset { get; set; }
    public int? Crf { get; set; }
    public long? VideoBitrate { get; set; }
    public long? AudioBitrate { get; set; }
    public int? Gop { get; set; }
    public int? MaxBFrames { get; set; }
    public string? PixelFormat { get; set; }
    public int? SampleRate { get; set; }
    public int? Threads { get; set; }
    public string? Format { get; set; }
    [JsonConverter(typeof(OptionMapConverter))] public Dictionary<string, string>? FormatOptions { get; set; }
    /// <summary>"auto", "cfr", "vfr" or "passthrough".</summary>
    public string? FrameRateMode { get; set; }
    /// <summary>"25", "30000/1001" or "29.97".</summary>
    public string? FrameRate { get; set; }
    [JsonConverter(typeof(OptionMapConverter))] public Dictionary<string, string>? VideoCodecOptions { get; set; }
    [JsonConverter(typeof(OptionMapConverter))] public Dictionary<string, string>? AudioCodecOptions { get; set; }
}

/// <summary>
/// FFmpeg option maps (<c>{"movflags": "+faststart", "segment_time": 4}</c>): FFmpeg takes every option as text, so
/// numbers and booleans are accepted and kept as written; nested objects and arrays are refused.
/// </summary>
internal sealed class OptionMapConverter : JsonConverter<Dictionary<string, string>>
{
    public override Dictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object of option names and values");
        var map = new Dictionary<string, string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            map[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "1",
                JsonTokenType.False => "0",
                _ => throw new JsonException($"option '{name}' must be a string, a number or a boolean"),
            };
        }
        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, text) in value) writer.WriteString(name, text);
        writer.WriteEndObject();
    }
}

/// <summary>Source-generated (reflection-free, AOT-safe) serialization of the schema.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    AllowTrailingCommas = true,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(GraphEntry))]
[JsonSerializable(typeof(DecodeEntry))]
[JsonSerializable(typeof(EncodeEntry))]
internal sealed partial class GraphJsonContext : JsonSerializerContext;
