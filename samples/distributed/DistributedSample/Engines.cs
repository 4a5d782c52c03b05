using MediaGraph.Brokers;
using MediaGraph.Kafka;
using MediaGraph.Nats;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Samples.Distributed;

/// <summary>Opens the broker the sample's command line names: <c>nats nats://127.0.0.1:4222</c> or
/// <c>kafka 127.0.0.1:9092,...</c>.</summary>
public static class Engines
{
    static Engines() => MediaWire.RegisterMetadata(SampleJson.Default.TextCandidates); // results carry it, also in AOT-style apps

    public static IMediaBroker Open(string engine, string servers, ILogger? logger = null, TimeSpan? redeliverAfter = null) => engine switch
    {
        "nats" => new NatsMediaBroker(new NatsMediaBrokerOptions { Url = servers, AckWait = redeliverAfter ?? TimeSpan.FromSeconds(30) }, logger),
        "kafka" => new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = servers, SessionTimeout = redeliverAfter ?? TimeSpan.FromSeconds(10) }, logger),
        _ => throw new ArgumentException($"unknown engine '{engine}': nats or kafka"),
    };
}

/// <summary>Source-generated JSON for the sample's metadata (file-based apps turn reflection-based JSON off).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(TextCandidates))]
internal sealed partial class SampleJson : System.Text.Json.Serialization.JsonSerializerContext;
