using Xunit;

namespace MediaGraph.Tests.Graph;

using Graph = global::MediaGraph.Graph; // the MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The JSON form: reading builds the graph the same C# would, every mistake names its node, and writing
/// gives back what was read. Nothing here runs a graph or opens a file.</summary>
public sealed class GraphJsonTests
{
    private const string Example = """
        {"channelCapacity": 6, "nodes": [
          // nodes may come in any order
          {"id": "out", "type": "encode", "path": "out.mp4", "video": "f.out0", "audio": "in.audio",
           "options": {"videoCodec": "libx264", "preset": "veryfast", "crf": 23, "audioCodec": "copy", "format": null,
                       "formatOptions": {"movflags": "+faststart"}}},
          {"id": "in", "type": "decode", "url": "in.mpg", "options": {"format": null, "threads": 2, "keepTimestamps": true, "formatOptions": {}}},
          {"id": "v1", "type": "deinterlace", "input": "in.video", "method": "bwdif", "mode": "send_field", "parity": "tff"},
          {"id": "v2", "type": "scale", "input": "v1", "width": 1280, "height": 720, "algorithm": "lanczos"},
          {"id": "logo", "type": "decode", "url": "logo.png"},
          {"id": "f", "type": "filter", "graph": "[0][1]overlay=10:10", "inputs": ["v2", "logo.video"]},
        ]}
        """;

    [Fact(Timeout = 60000)]
    public Task Read_Example_BuildsEveryNodeWithItsOptions() => Task.Run(() =>
    {
        var options = new GraphOptions();
        var graph = Graph.FromJson(Example, options);

        Assert.Equal(6, options.ChannelCapacity);
        var deinterlace = Assert.IsType<DeinterlaceNode>(Node(graph, "v1"));
        Assert.Equal(new DeinterlaceOptions { Method = DeinterlaceMethod.Bwdif, Mode = DeinterlaceMode.SendField, Parity = FieldParity.TopFieldFirst }, deinterlace.Options);
        var scale = Assert.IsType<ScaleNode>(Node(graph, "v2"));
        Assert.Equal((1280, 720, ScaleAlgorithm.Lanczos), (scale.Width, scale.Height, scale.Algorithm));
        Assert.Same(Node(graph, "v1").Outputs[0], scale.Inputs[0].Source);
        var filter = Assert.IsType<FilterNode>(Node(graph, "f"));
        Assert.Equal(["v2", "logo-video"], filter.Inputs.Select(i => i.Source!.Node.Name));
        var input = Assert.IsType<DemuxNode>(Node(graph, "in"));
        Assert.Equal((2, true), (input.Options.Threads, input.Options.KeepTimestamps));
        var mux = Assert.IsType<MuxNode>(Node(graph, "out"));
        Assert.Equal(["out-video", "in"], mux.Inputs.Select(i => i.Source!.Node.Name)); // audio is a stream copy
        Assert.Equal("+faststart", mux.Options.FormatOptions!["movflags"]);
        var encoder = Assert.IsType<EncodeNode>(Node(graph, "out-video"));
        Assert.Equal(("libx264", "veryfast", 23), (encoder.Codec, encoder.Options.Preset, encoder.Options.Crf));
    });

    [Fact(Timeout = 60000)]
    public Task Read_EveryDecodeAndEncodeOption_IsRepresented() => Task.Run(() =>
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "udp://239.0.0.1:1234", "options": {"format": "mpegts",
                "formatOptions": {"rw_timeout": 5000000, "reconnect": true}, "threads": 3, "videoDecoder": "h264", "keepTimestamps": true}},
              {"id": "out", "type": "encode", "path": "out.ts", "video": "in.video:1", "audio": "in.audio:0", "options": {
                "videoCodec": "libx265", "audioCodec": "libopus", "preset": "slow", "crf": 28, "videoBitrate": 4000000,
                "audioBitrate": 128000, "gop": 50, "maxBFrames": 2, "pixelFormat": "yuv420p10le", "sampleRate": 48000,
                "threads": 4, "format": "mpegts", "formatOptions": {"mpegts_flags": "resend_headers"},
                "videoCodecOptions": {"x265-params": "log-level=error"}, "audioCodecOptions": {"application": "audio"}}}
            ]}
            """);

        var decode = ((DemuxNode)Node(graph, "in")).Options;
        Assert.Equal(("mpegts", 3, "h264", true), (decode.Format, decode.Threads, decode.VideoDecoder, decode.KeepTimestamps));
        Assert.Equal(new Dictionary<string, string> { ["rw_timeout"] = "5000000", ["reconnect"] = "1" }, decode.FormatOptions);
        Assert.Equal([new StreamSelector(MediaKind.Video, Nth: 1), new StreamSelector(MediaKind.Audio, Nth: 0)], ((DemuxNode)Node(graph, "in")).Selectors);
        var o = ((MuxNode)Node(graph, "out")).Options;
        Assert.Equal(("libx265", "libopus", "slow", 28, 4000000L, 128000L), (o.VideoCodec, o.AudioCodec, o.Preset, o.Crf, o.VideoBitrate, o.AudioBitrate));
        Assert.Equal((50, 2, "yuv420p10le", 48000, 4, "mpegts"), (o.Gop, o.MaxBFrames, o.PixelFormat, o.SampleRate, o.Threads, o.Format));
        Assert.Equal("resend_headers", o.FormatOptions!["mpegts_flags"]);
        Assert.Equal("log-level=error", o.VideoCodecOptions!["x265-params"]);
        Assert.Equal("audio", o.AudioCodecOptions!["application"]);
    });

    [Fact(Timeout = 60000)]
    public Task WriteThenRead_Example_BuildsTheSameGraph() => Task.Run(() =>
    {
        var first = Graph.FromJson(Example);
        var json = first.ToJson();
        var second = Graph.FromJson(json);

        Assert.Equal(first.ToDot(), second.ToDot());
        Assert.Equal(json, second.ToJson());
        Assert.Contains("\"video\": \"f\"", json); // a filter's only output is written as its id
        Assert.Contains("\"audioCodec\": \"copy\"", json);
    });

    [Fact(Timeout = 60000)]
    public Task Write_GraphBuiltInCode_ReadsBackToTheSameJson() => Task.Run(() =>
    {
        var graph = new Graph();
        var input = graph.Decode("in.mpg", new DecodeOptions { Threads = 2 });
        var video = input.Video.Deinterlace().Scale(640, -2, ScaleAlgorithm.Area, "yuv420p").Filter("hflip");
        graph.Encode("out.mkv", video, input.AudioStreamAt(1), new EncodeOptions { Crf = 20, Gop = 48, FormatOptions = new Dictionary<string, string> { ["movflags"] = "+faststart" } });

        var json = graph.ToJson();
        var read = Graph.FromJson(json);

        Assert.Equal(json, read.ToJson());
        Assert.Equal(graph.Nodes.Count, read.Nodes.Count);
        Assert.Contains("\"audio\": \"demux0.audio:1\"", json);
        Assert.Contains("\"pixelFormat\": \"yuv420p\"", json);
        Assert.Contains("\"movflags\": \"+faststart\"", json); // written as a person would, not "\u002B"
    });

    [Fact(Timeout = 60000)]
    public Task Write_AppSink_ThrowsNotSupportedNamingTheNode() => Task.Run(() =>
    {
        var graph = new Graph();
        graph.Sink(graph.Decode("in.mpg").Video);

        var e = Assert.Throws<NotSupportedException>(() => graph.ToJson());

        Assert.Contains("sink0", e.Message);
        Assert.Contains("C#", e.Message);
    });

    [Fact(Timeout = 60000)]
    public Task Read_Cycle_ThrowsNamingTheNodesInOrder() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "a", "type": "scale", "input": "b", "width": 10, "height": 10},
              {"id": "b", "type": "filter", "graph": "[0][1]overlay", "inputs": ["a", "in.video"]},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "a"}
            ]}
            """));

        Assert.Equal(["the graph has a cycle through a → b → a: a stream cannot feed back into the nodes it came from"], e.Problems);
    });

    [Fact(Timeout = 60000)]
    public Task Read_SelfReference_IsACycle() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""{"nodes": [{"id": "x", "type": "scale", "input": "x", "width": 2, "height": 2}]}"""));

        Assert.Contains("cycle through x → x", e.Message);
    });

    [Fact(Timeout = 60000)]
    public Task Read_UnknownReference_ThrowsNamingTheNodeAndTheId() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "inn.video"}
            ]}
            """));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("node 'out' (encode): video 'inn.video' refers to unknown node 'inn'", problem);
        Assert.Contains("in, out", problem);
    });

    [Theory(Timeout = 60000)]
    [InlineData("\"in.audio\"", "input 'in.audio' is an audio stream, but input takes video")]
    [InlineData("\"in\"", "'in' is an input, not a stream: use 'in.video' or 'in.audio'")]
    [InlineData("\"in.subtitles\"", "an input's streams are 'in.video', 'in.audio'")]
    [InlineData("\"out\"", "node 'out' is an encode node")]
    [InlineData("\"v.out1\"", "node 'v' (scale) has one output")]
    public Task Read_BadStreamReference_ThrowsSayingWhatIsWrong(string reference, string expected) => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson($$"""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "v", "type": "scale", "input": "in.video", "width": 10, "height": 10},
              {"id": "s", "type": "scale", "input": {{reference}}, "width": 10, "height": 10},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "s"}
            ]}
            """));

        Assert.Contains(e.Problems, p => p.StartsWith("node 's' (scale): ") && p.Contains(expected));
    });

    [Fact(Timeout = 60000)]
    public Task Read_FilterOutputOfTheWrongKind_ThrowsNamingTheConsumer() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "quiet", "type": "filter", "graph": "volume=0.5", "inputs": ["in.audio"]},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "quiet"}
            ]}
            """));

        Assert.Equal(["node 'out' (encode): video 'quiet' is an audio stream, but video takes video"], e.Problems);
    });

    [Fact(Timeout = 60000)]
    public Task Read_CopyOfAProcessedStream_ThrowsNamingTheNode() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "v", "type": "scale", "input": "in.video", "width": 10, "height": 10},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "v", "options": {"videoCodec": "copy"}}
            ]}
            """));

        Assert.Contains("node 'out' (encode): cannot stream-copy", Assert.Single(e.Problems));
    });

    [Fact(Timeout = 60000)]
    public Task Read_UnknownTypeAndProperties_ListsEveryProblem() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg", "options": {"thread": 2}},
              {"id": "b", "type": "sharpen", "input": "in.video"},
              {"id": "s", "type": "scale", "input": "in.video", "Width": 10, "height": 10, "algorithm": "nearest"},
              {"type": "encode", "path": "out.mp4"},
              {"id": "s", "type": "scale", "input": "in.video", "width": 10, "height": 10}
            ]}
            """));

        Assert.Contains("node 'in' (decode): unknown property 'options.thread' (did you mean 'threads'?)", e.Problems);
        // kinds registered by other tests of this run may follow the built-in ones
        Assert.Contains(e.Problems, p => p.StartsWith("node 'b' has unknown type 'sharpen' (known types: decode, deinterlace, scale, filter, fps, convert, crop, flip, rotate, blur, gamma, upload, download, track, draw-detections, infer, read-text, overlay, every_nth, trim, atrim, setpts, encode"));
        Assert.Contains("node 's' (scale): unknown property 'Width' (did you mean 'width'?)", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith("node #4 has no \"id\""));
        Assert.Contains("node 's' is defined twice (nodes #3 and #5): ids must be unique", e.Problems);
    });

    [Fact(Timeout = 60000)]
    public Task Read_MissingFieldsAndBadValues_SayWhatIsExpected() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode"},
              {"id": "s", "type": "scale", "input": "in.video", "width": "wide", "height": 10},
              {"id": "d", "type": "deinterlace", "input": "in.video", "method": "weave"},
              {"id": "f", "type": "filter", "graph": "hflip", "inputs": [3]},
              {"id": "out", "type": "encode", "path": "out.mp4", "options": {"crf": 1.5}}
            ]}
            """));

        Assert.Contains("node 'in' (decode): 'url' is missing", e.Problems);
        Assert.Contains("node 's' (scale): 'width' must be a whole number", e.Problems);
        Assert.Contains("node 'd' (deinterlace): 'method' is 'weave'; it must be one of yadif, bwdif", e.Problems);
        Assert.Contains("node 'f' (filter): 'inputs[0]' must be a stream reference (a string)", e.Problems);
        Assert.Contains("node 'out' (encode): 'options.crf' must be a whole number", e.Problems);
    });

    [Fact(Timeout = 60000)]
    public Task Read_SyntaxError_ThrowsWithLineAndPosition() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("{\"nodes\": [\n  {\"id\": \"in\" \"type\": \"decode\"}\n]}"));

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("the graph JSON is malformed at line 2, position 15: '\"' is invalid after a value", problem);
    });

    [Fact(Timeout = 60000)]
    public Task Read_FilterSyntaxError_ThrowsNamingTheNode() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "f", "type": "filter", "graph": "nosuchfilter=1", "inputs": ["in.video"]},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "f"}
            ]}
            """));

        Assert.StartsWith("node 'f' (filter): ", Assert.Single(e.Problems));
    });

    [Fact(Timeout = 60000)]
    public Task Read_IdThatCollidesWithAnImplicitName_KeepsEveryNameUnique() => Task.Run(() =>
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "in-video", "type": "scale", "input": "in.video", "width": 10, "height": 10},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "in-video"}
            ]}
            """);

        Assert.Equal(graph.Nodes.Count, graph.Nodes.Select(n => n.Name).Distinct().Count());
        Assert.IsType<ScaleNode>(Node(graph, "in-video"));
        Assert.IsType<DecodeNode>(Node(graph, "in-video-2"));
    });

    private static MediaGraph.Node Node(Graph graph, string name)
        => graph.Nodes.SingleOrDefault(n => n.Name == name) ?? throw new Xunit.Sdk.XunitException($"no node '{name}' in: {string.Join(", ", graph.Nodes.Select(n => n.Name))}");
}
