using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph;

/// <summary>
/// Untrusted URLs and files are safe by default: a protocol whitelist on every input (and on what FFmpeg opens for
/// it), no listening sockets, open and read timeouts on network inputs, and a picture-size limit checked before any
/// frame is allocated.
/// </summary>
public sealed class InputPolicyTests(ITestOutputHelper log)
{
    [Fact]
    public void Probe_SchemeOutsideTheWhitelist_IsRefusedNamingIt()
    {
        var e = Assert.Throws<MediaGraphException>(() => InputInfo.Probe("http://127.0.0.1:9/clip.mp4"));

        log.WriteLine(e.Message);
        Assert.Contains("protocol 'http' is not allowed", e.Message);
        Assert.Contains("AllowNetwork", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Decode_SchemeOutsideAGivenWhitelist_FailsValidationNamingIt()
    {
        var graph = new Graph();
        var input = graph.Decode("concat:" + TestMedia.CityCC0, new DecodeOptions { Protocols = ["file"] });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), input.Video, null);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("protocol 'concat' is not allowed (allowed: file)", e.Message);
    }

    /// <summary>The whitelist also binds what FFmpeg opens on the input's behalf: a local playlist naming an HTTP
    /// segment gets FFmpeg's own refusal, naming the protocol.</summary>
    [Fact(Timeout = 30000)]
    public async Task Probe_LocalPlaylistWithAnHttpSegment_IsRefusedByFfmpegsWhitelist()
    {
        var playlist = Path.Combine(TestMedia.OutputFolder(), "remote.m3u8");
        await File.WriteAllTextAsync(playlist, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://127.0.0.1:9/seg.ts\n#EXT-X-ENDLIST\n");

        var e = Assert.Throws<MediaGraphException>(() => InputInfo.Probe(playlist));

        log.WriteLine(e.Message);
        Assert.Contains("Protocol 'http' not on whitelist", e.Message);
    }

    [Fact]
    public void Probe_TcpListen_IsRefusedUnlessAllowed()
    {
        var e = Assert.Throws<MediaGraphException>(() => InputInfo.Probe("tcp://127.0.0.1:18999?listen=1", new DecodeOptions { AllowNetwork = true }));

        log.WriteLine(e.Message);
        Assert.Contains("asks to listen for incoming connections", e.Message);
        Assert.Contains("AllowListen", e.Message);
    }

    /// <summary>FFmpeg's answer for its own odd URL forms, not "file does not exist".</summary>
    [Fact]
    public void Probe_MalformedSubfileUrl_GetsFfmpegsAnswer()
    {
        var e = Assert.Throws<MediaGraphException>(() => InputInfo.Probe($"subfile,,start,nonsense,,:{TestMedia.CityCC0}"));

        log.WriteLine(e.Message);
        Assert.DoesNotContain("does not exist", e.Message);
        Assert.Contains("nonsense", e.Message);
    }

    [Fact]
    public void Probe_SubfileRangeOfALocalFile_IsAllowedByDefault()
    {
        var info = InputInfo.Probe($"subfile,,start,0,end,300000,,:{TestMedia.CityCC0}");

        Assert.Equal(MediaKind.Video, Assert.Single(info.Streams).Kind);
    }

    /// <summary>A server that accepts and never answers: probe and transcode fail within the timeout, saying so.</summary>
    [Fact(Timeout = 30000)]
    public async Task ProbeAndTranscode_ServerThatNeverAnswers_FailWithinTheTimeoutNamingIt()
    {
        using var server = SilentServer.Start();
        var options = new DecodeOptions { AllowNetwork = true, OpenTimeout = TimeSpan.FromSeconds(1), ReadTimeout = TimeSpan.FromSeconds(1) };
        var clock = Stopwatch.StartNew();

        var probe = Assert.Throws<MediaGraphException>(() => InputInfo.Probe(server.Url, options));
        var probeTime = clock.Elapsed;
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(server.Url, options).Video, null);
        var transcode = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());
        var transcodeTime = clock.Elapsed - probeTime;

        log.WriteLine($"{probeTime.TotalSeconds:0.00} s: {probe.Message}");
        log.WriteLine($"{transcodeTime.TotalSeconds:0.00} s: {transcode.Message}");
        Assert.Contains("open timeout (1 s)", probe.Message);
        Assert.Contains("open timeout (1 s)", transcode.Message);
        Assert.InRange(probeTime.TotalSeconds, 0.5, 5);
        Assert.InRange(transcodeTime.TotalSeconds, 0.5, 5);
    }

    /// <summary>Cancellation aborts an open that blocks (no timeout set): the interrupt callback sees it.</summary>
    [Fact(Timeout = 30000)]
    public async Task Probe_CancelledWhileTheServerNeverAnswers_EndsPromptly()
    {
        using var server = SilentServer.Start();
        var options = new DecodeOptions { AllowNetwork = true, OpenTimeout = TimeSpan.Zero, ReadTimeout = TimeSpan.Zero };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Run(() => InputInfo.Probe(server.Url, options, cancel.Token)));

        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.2, 3);
    }

    [Fact(Timeout = 30000)]
    public async Task Cli_ProbeAndTranscode_ServerThatNeverAnswers_FailWithinTheTimeoutNamingIt()
    {
        using var server = SilentServer.Start();
        var clock = Stopwatch.StartNew();

        var probe = await Cli.CliTestMedia.RunAsync("probe", "--allow-network", "--timeout", "1", server.Url);
        var transcode = await Cli.CliTestMedia.RunAsync("transcode", "--allow-network", "--timeout", "1", server.Url, Path.Combine(TestMedia.OutputFolder(), "out.mkv"));

        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s\n{probe.Error}\n{transcode.Error}");
        Assert.NotEqual(0, probe.ExitCode);
        Assert.NotEqual(0, transcode.ExitCode);
        Assert.Contains("open timeout (1 s)", probe.Error);
        Assert.Contains("open timeout (1 s)", transcode.Error);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 10);
    }

    [Fact(Timeout = 30000)]
    public async Task Cli_NetworkUrlWithoutAllowNetwork_IsRefusedNamingTheProtocol()
    {
        var result = await Cli.CliTestMedia.RunAsync("probe", "rtsp://127.0.0.1:9/cam");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("protocol 'rtsp' is not allowed", result.Error);
        Assert.Contains("--allow-network", result.Error);
    }

    /// <summary>A 4096×4096 clip under an 8 MPixel limit: refused when the graph is validated, before a decoder
    /// exists or any frame is allocated; the default limit (8192²) decodes it.</summary>
    [Fact(Timeout = 60000)]
    public async Task Decode_PictureOverTheSizeLimit_IsRefusedBeforeAnyFrameIsAllocated()
    {
        var clip = await TestMedia.ClipAsync("4096x4096.mkv", "-f lavfi -i color=c=gray:s=4096x4096:r=1 -frames:v 1 -c:v mpeg4 -q:v 31");
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(clip, new DecodeOptions { MaxPixels = 8_000_000 }).Video.Scale(64, 64), null);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("4096x4096 (16.8 MPixel), above the limit of 8.0 MPixel", e.Message);
        Assert.Null(graph.Metrics); // nothing ran
        var ok = new Graph();
        ok.Encode(Path.Combine(TestMedia.OutputFolder(), "ok.mkv"), ok.Decode(clip).Video.Scale(64, 64), null);
        Assert.Equal(1, (await ok.RunAsync()).Frames);
    }

    /// <summary>The JSON form carries every input-policy field, both ways (a graph.json for `mediagraph run` widens
    /// or narrows each input's policy itself).</summary>
    [Fact]
    public void Json_InputPolicyFields_AreReadAndWritten()
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "rtsp://127.0.0.1:9/cam", "options": {"protocols": ["rtsp", "rtp", "udp", "tcp"],
                "allowNetwork": true, "allowListen": true, "openTimeoutSeconds": 2.5, "readTimeoutSeconds": 0, "maxPixels": 2073600}},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "in.video"}
            ]}
            """);

        var demux = graph.Nodes.OfType<DemuxNode>().Single();
        var o = demux.Options;
        Assert.Equal(["rtsp", "rtp", "udp", "tcp"], o.Protocols!);
        Assert.Equal((true, true, TimeSpan.FromSeconds(2.5), TimeSpan.Zero, 2073600L), (o.AllowNetwork, o.AllowListen, o.OpenTimeout, o.ReadTimeout, o.MaxPixels));
        var json = graph.ToJson();
        foreach (var field in new[] { "\"protocols\"", "\"allowNetwork\": true", "\"allowListen\": true", "\"openTimeoutSeconds\": 2.5", "\"readTimeoutSeconds\": 0", "\"maxPixels\": 2073600" })
            Assert.Contains(field, json);
    }

    /// <summary>A local TCP server that accepts connections and never sends a byte.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<TcpClient> _clients = new();
        private readonly CancellationTokenSource _stop = new();

        private SilentServer(TcpListener listener) => _listener = listener;

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/clip.mp4";

        public static SilentServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var server = new SilentServer(listener);
            _ = server.AcceptAsync();
            return server;
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_clients) _clients.Add(client);
                }
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients) foreach (var c in _clients) c.Dispose();
        }
    }
}
