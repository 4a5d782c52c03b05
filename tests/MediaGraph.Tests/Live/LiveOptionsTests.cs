using Xunit;

namespace MediaGraph.Tests.Live;

using Graph = global::MediaGraph.Graph;

/// <summary>The live-input options (reconnect, backoff, edge policy) in the JSON form and on the command line.</summary>
public sealed class LiveOptionsTests
{
    [Fact]
    public void Json_LiveInputFields_AreReadAndWritten()
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "cam", "type": "decode", "url": "rtsp://127.0.0.1:9/cam", "options": {"allowNetwork": true,
                "reconnect": true, "reconnectDelaySeconds": 0.25, "reconnectMaxDelaySeconds": 4, "reconnectAttempts": 7, "edgePolicy": "keep-latest"}},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "cam.video"}
            ]}
            """);

        var o = graph.Nodes.OfType<DemuxNode>().Single().Options;
        Assert.Equal((true, TimeSpan.FromSeconds(0.25), TimeSpan.FromSeconds(4), 7, EdgePolicy.KeepLatest),
            (o.Reconnect, o.ReconnectDelay, o.ReconnectMaxDelay, o.ReconnectAttempts, o.EdgePolicy));
        Assert.Equal(EdgePolicy.KeepLatest, graph.Nodes.OfType<DecodeNode>().Single().Outputs[0].Policy);
        var json = graph.ToJson();
        foreach (var field in new[] { "\"reconnect\": true", "\"reconnectDelaySeconds\": 0.25", "\"reconnectMaxDelaySeconds\": 4", "\"reconnectAttempts\": 7", "\"edgePolicy\": \"keep-latest\"" })
            Assert.Contains(field, json);
    }

    [Fact]
    public void Json_UnknownEdgePolicy_IsRefusedNamingTheChoices()
    {
        var e = Assert.ThrowsAny<Exception>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "cam", "type": "decode", "url": "in.mpg", "options": {"edgePolicy": "sideways"}},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "cam.video"}
            ]}
            """));

        Assert.Contains("block, keep-latest, drop-oldest", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Cli_Transcode_TakesTheLiveOptionsAndRefusesAnUnknownPolicy()
    {
        var bad = await Cli.CliTestMedia.RunAsync("transcode", "--edge-policy", "sideways", TestMedia.CityCC0, Path.Combine(TestMedia.OutputFolder(), "bad.mkv"));
        var url = $"rtsp://127.0.0.1:{TestServers.FreePort()}/cam";
        var closed = await Cli.CliTestMedia.RunAsync("transcode", "--allow-network", "--reconnect", "--reconnect-delay", "0.1", "--reconnect-max-delay", "1",
            "--reconnect-attempts", "2", "--edge-policy", "keep-latest", url, Path.Combine(TestMedia.OutputFolder(), "out.mkv"));

        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("not one of block, keep-latest, drop-oldest", bad.Error);
        Assert.NotEqual(0, closed.ExitCode);
        Assert.Contains(url, closed.Error); // the first open is not retried: a wrong address fails at once, named
    }
}
