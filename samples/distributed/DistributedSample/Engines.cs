using System.Text.Json;
using System.Text.Json.Serialization;
using MediaGraph.Brokers;
using MediaGraph.Kafka;
using MediaGraph.Nats;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Samples.Distributed;

/// <summary>Opens the broker the sample's command line names: <c>nats nats://127.0.0.1:4222</c> or
/// <c>kafka 127.0.0.1:9092,...</c>.</summary>
public static class Engines
{
    static Engines() => MediaWire.RegisterMetadata(SampleJson.Default.TextDetections); // results carry it, also in AOT-style apps

    public static IMediaBroker Open(string engine, string servers, ILogger? logger = null, TimeSpan? redeliverAfter = null) => engine switch
    {
        "nats" => new NatsMediaBroker(new NatsMediaBrokerOptions { Url = servers, AckWait = redeliverAfter ?? TimeSpan.FromSeconds(30) }, logger),
        "kafka" => new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = servers, SessionTimeout = redeliverAfter ?? TimeSpan.FromSeconds(10) }, logger),
        _ => throw new ArgumentException($"unknown engine '{engine}': nats or kafka"),
    };
}

/// <summary>Source-generated JSON for the results the workers publish (file-based apps turn reflection-based JSON off):
/// <c>{"regions":[{"polygon":[[x,y],...],"score":0.93}]}</c>, points to a tenth of a pixel as the library's JSON Lines
/// writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(PointJson)])]
[JsonSerializable(typeof(TextDetections))]
internal sealed partial class SampleJson : JsonSerializerContext;

/// <summary>A point as <c>[x, y]</c> rounded to a tenth of a pixel (a detector's polygon is not more precise), which
/// keeps a result small on the broker.</summary>
internal sealed class PointJson : JsonConverter<PointF32>
{
    public override PointF32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray || !reader.Read()) throw new JsonException("a point is [x, y]");
        var x = reader.GetSingle();
        if (!reader.Read()) throw new JsonException("a point is [x, y]");
        var y = reader.GetSingle();
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray) throw new JsonException("a point is [x, y]");
        return new PointF32(x, y);
    }

    public override void Write(Utf8JsonWriter writer, PointF32 value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(MathF.Round(value.X, 1));
        writer.WriteNumberValue(MathF.Round(value.Y, 1));
        writer.WriteEndArray();
    }
}
