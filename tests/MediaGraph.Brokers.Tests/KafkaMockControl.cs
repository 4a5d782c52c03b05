using System.Runtime.InteropServices;
using System.Text;

namespace MediaGraph.Tests.Brokers;

/// <summary>
/// librdkafka's mock cluster made through librdkafka's own C API (rd_kafka_mock_cluster_new), which Confluent.Kafka does
/// not expose, so a test can take a broker down (<see cref="SetBrokerDown"/>: its connections close and new ones are
/// refused) and bring it back (<see cref="SetBrokerUp"/>) with its topics, messages and committed offsets kept: a
/// broker restart. The library is the one Confluent.Kafka ships (librdkafka.redist); the cluster lives in this process.
/// </summary>
public sealed class KafkaMockControl : IDisposable
{
    private const string Library = "librdkafka";
    private nint _client, _cluster;

    static KafkaMockControl()
    {
        // As Confluent.Kafka does: librdkafka.redist ships builds for several systems; the generic one needs
        // libsasl2.so.3, which Debian does not have, so the first that loads wins.
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockControl).Assembly, (name, _, _) =>
        {
            if (name != Library) return 0;
            var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
            foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
                if (NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle)) return handle;
            return 0;
        });
    }

    public KafkaMockControl(int brokers = 1)
    {
        var error = new byte[512];
        var conf = rd_kafka_conf_new();
        _client = rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, conf, error, (nuint)error.Length); // takes the conf
        if (_client == 0) throw new InvalidOperationException($"rd_kafka_new failed: {Encoding.UTF8.GetString(error).TrimEnd('\0')}");
        _cluster = rd_kafka_mock_cluster_new(_client, brokers);
        if (_cluster == 0)
        {
            rd_kafka_destroy(_client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster))!;
        Brokers = brokers;
    }

    /// <summary>"127.0.0.1:PORT,..." for clients in any process.</summary>
    public string BootstrapServers { get; }
    public int Brokers { get; }

    /// <summary>Takes every broker down: connections close, new ones are refused; nothing stored is lost.</summary>
    public void SetBrokersDown()
    {
        for (var id = 1; id <= Brokers; id++) Check(rd_kafka_mock_broker_set_down(_cluster, id), "down");
    }

    /// <summary>Brings every broker back.</summary>
    public void SetBrokersUp()
    {
        for (var id = 1; id <= Brokers; id++) Check(rd_kafka_mock_broker_set_up(_cluster, id), "up");
    }

    public void SetBrokerDown(int id) => Check(rd_kafka_mock_broker_set_down(_cluster, id), "down");
    public void SetBrokerUp(int id) => Check(rd_kafka_mock_broker_set_up(_cluster, id), "up");

    private static void Check(int error, string what)
    {
        if (error != 0) throw new InvalidOperationException($"setting a mock broker {what} failed: librdkafka error {error}");
    }

    public void Dispose()
    {
        if (_cluster != 0) rd_kafka_mock_cluster_destroy(_cluster);
        if (_client != 0) rd_kafka_destroy(_client);
        _cluster = _client = 0;
    }

    [DllImport(Library)] private static extern nint rd_kafka_conf_new();
    [DllImport(Library)] private static extern nint rd_kafka_new(int type, nint conf, byte[] errstr, nuint errstrSize);
    [DllImport(Library)] private static extern void rd_kafka_destroy(nint rk);
    [DllImport(Library)] private static extern nint rd_kafka_mock_cluster_new(nint rk, int brokers);
    [DllImport(Library)] private static extern void rd_kafka_mock_cluster_destroy(nint cluster);
    [DllImport(Library)] private static extern nint rd_kafka_mock_cluster_bootstraps(nint cluster);
    [DllImport(Library)] private static extern int rd_kafka_mock_broker_set_down(nint cluster, int brokerId);
    [DllImport(Library)] private static extern int rd_kafka_mock_broker_set_up(nint cluster, int brokerId);
}
