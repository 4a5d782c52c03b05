using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaGraph.Brokers;
using MediaGraph.Samples.Distributed;
using Microsoft.Extensions.Logging;
using Xunit;

namespace MediaGraph.Tests.Brokers;

/// <summary>A nats-server with JetStream on file storage (Debian's package, installed by scripts/setup.sh), on a free
/// port with a fresh store; <see cref="RestartAsync"/> kills it (-9) and starts it again on the same port and store.</summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly string _store = Path.Combine(TestMedia.Folder, $"nats-{Guid.NewGuid():N}");
    private Process? _process;

    private readonly int? _maxPayload;

    private NatsServer(int? maxPayload)
    {
        Port = TestServers.FreePort();
        _maxPayload = maxPayload;
    }

    public int Port { get; }
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>A server with NATS' defaults, or with <paramref name="maxPayload"/> as its largest message (a
    /// config file's max_payload; the default is 1 MB).</summary>
    public static async Task<NatsServer> StartAsync(int? maxPayload = null)
    {
        var server = new NatsServer(maxPayload);
        await server.RunAsync();
        return server;
    }

    /// <summary>kill -9 of the server; <see cref="StartAgainAsync"/> brings it back on the same port and store.</summary>
    public void Stop() => Kill();

    public Task StartAgainAsync() => RunAsync();

    public async Task RestartAsync()
    {
        Kill();
        await RunAsync();
    }

    private async Task RunAsync()
    {
        var path = new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed: run scripts/setup.sh (it installs Debian's nats-server package)");
        var config = "";
        if (_maxPayload is { } max)
        {
            Directory.CreateDirectory(_store);
            var file = Path.Combine(_store, "..", $"nats-{Port}.conf");
            File.WriteAllText(file, $"max_payload: {max}\n");
            config = $" -c {file}";
        }
        var info = new ProcessStartInfo(path, $"-js -sd {_store} -a 127.0.0.1 -p {Port}{config}") { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited) { await Task.Delay(50); }
        }
    }

    private void Kill() => TestServers.Kill(ref _process);

    public ValueTask DisposeAsync()
    {
        Kill();
        try { Directory.Delete(_store, recursive: true); } catch (IOException) { }
        return default;
    }
}

/// <summary>A worker of samples/distributed in a child process (tests/MediaGraph.BrokerWorker), which a test can
/// kill with SIGKILL mid-run.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _chunks;

    public WorkerProcess(string engine, string servers, string workTopic, string resultsTopic, string name, double redeliverSeconds)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MediaGraph.BrokerWorker.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { dll, engine, servers, workTopic, resultsTopic, name, redeliverSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        Name = name;
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready") _ready.TrySetResult();
            else if (e.Data?.StartsWith("chunks ", StringComparison.Ordinal) == true) Interlocked.Exchange(ref _chunks, long.Parse(e.Data[7..]));
        };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Errors.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public long Chunks => Interlocked.Read(ref _chunks);
    public ConcurrentBag<string> Errors { get; } = new();
    public bool HasExited => _process.HasExited;

    public async Task WaitReadyAsync()
    {
        var done = await Task.WhenAny(_ready.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (!_ready.Task.IsCompleted) throw new InvalidOperationException($"worker {Name} did not start: {string.Join("\n", Errors)}");
    }

    public async Task WaitForChunksAsync(long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Chunks < count && DateTime.UtcNow < deadline && !_process.HasExited) await Task.Delay(5);
        Assert.True(Chunks >= count, $"worker {Name} finished {Chunks} chunks, not {count}, in {timeout.TotalSeconds} s: {string.Join("\n", Errors)}");
    }

    /// <summary>The first of <paramref name="workers"/> to finish <paramref name="count"/> chunks (which of a group gets
    /// work first is the broker's choice: a Kafka group may hand every partition to the member that joined first).</summary>
    public static async Task<WorkerProcess> FirstToFinishAsync(long count, TimeSpan timeout, params WorkerProcess[] workers)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (workers.FirstOrDefault(w => w.Chunks >= count) is { } first) return first;
            await Task.Delay(5);
        }
        Assert.Fail($"no worker finished {count} chunks in {timeout.TotalSeconds} s: {string.Join("; ", workers.Select(w => $"{w.Name} did {w.Chunks}: {string.Join("\n", w.Errors)}"))}");
        return null!;
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(5000)) _process.Kill();
        }
        _process.Dispose();
    }
}

/// <summary>What the broker tests produce and check.</summary>
public static class BrokerMedia
{
    /// <summary>320x180 25 fps H.264, 300 frames, a closed GOP of 10 frames with B-frames: 30 chunks.</summary>
    public static Task<string> GopsAsync() => TestMedia.ClipAsync("gops300.mp4",
        "-f lavfi -i testsrc2=size=320x180:rate=25 -frames:v 300 -c:v libx264 -preset ultrafast -bf 2 -g 10 -keyint_min 10 -sc_threshold 0 -pix_fmt yuv420p");

    /// <summary>ffprobe's pts of every video frame of <paramref name="path"/> (the oracle for what a decoder must give).</summary>
    public static async Task<long[]> ProbePtsAsync(string path)
    {
        var (_, output, _) = await TestMedia.RunProcessAsync("ffprobe", $"-v error -select_streams v -show_entries frame=pts -of csv=p=0 {path}");
        return output.Split('\n').Select(l => l.Trim().TrimEnd(',')).Where(l => l.Length > 0).Select(long.Parse).ToArray();
    }

    /// <summary>Publishes <paramref name="path"/>'s video packets as chunks of stream <paramref name="streamId"/>.</summary>
    public static Task ProduceAsync(IMediaBroker broker, string path, string topic, string streamId, bool keyByChunk = false)
        => Roles.ProduceAsync(broker, path, topic, streamId, keyByChunk, CancellationToken.None);

    /// <summary>Reads every results message of <paramref name="streams"/> streams, in the reader's order.</summary>
    public static async Task<List<ResultsMessage>> ReadAllAsync(ResultReader reader, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var all = new List<ResultsMessage>();
        try
        {
            await foreach (var r in reader.ReadAsync(cancel.Token)) all.Add(r);
        }
        catch (OperationCanceledException) { }
        Assert.False(cancel.IsCancellationRequested, $"the results did not all come within {timeout.TotalSeconds} s: {all.Count} chunks came ({reader.Counters})");
        return all;
    }

    /// <summary>Every chunk once, in order, and frames in strictly increasing pts, per stream.</summary>
    /// <summary>The kill -9 check both engines run on work already produced: the first of <paramref name="a"/> and
    /// <paramref name="b"/> to finish 3 chunks is killed mid-run; every result still arrives once and in order
    /// (read for up to <paramref name="readFor"/>), some of them from the survivor, and the reader counts nothing
    /// bad, late or skipped.</summary>
    public static async Task KillOneWorkerMidRunAndAssertNothingLostAsync(IMediaBroker broker, WorkerProcess a, WorkerProcess b, TimeSpan readFor, Xunit.Abstractions.ITestOutputHelper output)
    {
        var victim = await WorkerProcess.FirstToFinishAsync(3, TimeSpan.FromSeconds(60), a, b);
        var survivor = victim == a ? b : a;
        victim.Kill();
        var killedAfter = victim.Chunks;

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 1 });
        var results = await ReadAllAsync(reader, readFor);
        output.WriteLine($"worker {victim.Name} killed after {killedAfter} chunks; {survivor.Name} did {survivor.Chunks}; reader: {reader.Counters}");
        AssertCompleteAndOrdered(results, chunks: 30, frames: 300);
        Assert.Contains(results, r => r.Worker == survivor.Name);
        Assert.Equal(0, reader.Counters.Bad + reader.Counters.Late + reader.Counters.Skipped);
    }

    public static void AssertCompleteAndOrdered(IReadOnlyList<ResultsMessage> results, int chunks, int frames)
    {
        foreach (var stream in results.GroupBy(r => r.StreamId))
        {
            Assert.Equal(Enumerable.Range(0, chunks).Select(i => (long)i), stream.Select(r => r.Sequence));
            Assert.All(stream, r => Assert.Null(r.Error));
            var pts = stream.SelectMany(r => r.Frames).Select(f => f.Pts).ToArray();
            Assert.Equal(frames, pts.Length);
            Assert.True(pts.Zip(pts.Skip(1)).All(p => p.First < p.Second), "frames are out of pts order");
        }
    }
}
