using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace MediaGraph.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster: real Kafka protocol on loopback ports, in this process, for tests and samples
/// on machines without a Kafka broker. It lives as long as this object; other processes reach it through
/// <see cref="BootstrapServers"/> like any cluster. Not for production: no persistence, one process.
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private readonly IProducer<Null, Null> _host;

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers and waits (up to 10 s) for its addresses.</summary>
    public KafkaMockCluster(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(brokers);
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = new ProducerConfig { BootstrapServers = "mock" };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _host = new ProducerBuilder<Null, Null>(config)
            .SetLogHandler((_, m) =>
            {
                if (Addresses().Match(m.Message) is { Success: true } match) found.TrySetResult(match.Groups[1].Value);
            })
            .Build();
        if (!found.Task.Wait(TimeSpan.FromSeconds(10)))
        {
            _host.Dispose();
            throw new InvalidOperationException("librdkafka's mock cluster did not say its addresses within 10 s (is this librdkafka built with the mock cluster?)");
        }
        BootstrapServers = found.Task.Result;
    }

    /// <summary>"127.0.0.1:PORT,..." for other clients (any process on this machine).</summary>
    public string BootstrapServers { get; }

    public void Dispose() => _host.Dispose();

    [GeneratedRegex(@"replaced with ([0-9.:,]+)")]
    private static partial Regex Addresses();
}
