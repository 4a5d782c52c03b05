using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Graph;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Wiring and naming mistakes throw before the first frame moves, naming the node and the cause.</summary>
public sealed class ValidationTests(ITestOutputHelper log)
{
    [Fact(Timeout = 30000)]
    public async Task Encode_UnknownVideoCodec_ThrowsNamingTheCodecAndTheNode()
    {
        var (graph, output) = await TinyTranscode(new EncodeOptions { VideoCodec = "nosuchcodec" });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Contains("nosuchcodec", problem);
        Assert.StartsWith("encode-video0:", problem);
        Assert.False(File.Exists(output));
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_IntoItsOwnInput_ThrowsBeforeTheInputIsTouched()
    {
        var source = await TestMedia.TinyAsync();
        var input = Path.Combine(TestMedia.OutputFolder(), "in.mp4");
        File.Copy(source, input);
        var before = await File.ReadAllBytesAsync(input);
        var graph = new Graph();
        graph.Encode(input, graph.Decode(input).Video, null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("is also the input of demux0", Assert.Single(e.Problems));
        Assert.Equal(before, await File.ReadAllBytesAsync(input));
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_UnknownMuxerOption_ThrowsBeforeAnythingIsEncoded()
    {
        var (graph, output) = await TinyTranscode(new EncodeOptions
        {
            FormatOptions = new Dictionary<string, string> { ["movflags"] = "+faststart", ["moovflags"] = "+faststart" },
        });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems); // movflags is fine, the typo is not
        Assert.Contains("no option 'moovflags'", problem);
        Assert.StartsWith("mux0:", problem);
        Assert.False(File.Exists(output));
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_AudioCodecForVideo_ThrowsSayingItIsAnAudioEncoder()
    {
        var (graph, _) = await TinyTranscode(new EncodeOptions { VideoCodec = "aac" });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Contains("'aac'", problem);
        Assert.Contains("audio encoder", problem);
        Assert.Contains("given a video stream", problem);
        Assert.StartsWith("encode-video0:", problem);
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_VideoCodecForAudio_ThrowsSayingItIsAVideoEncoder()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), null, graph.Decode(input).Audio, new EncodeOptions { AudioCodec = "libx264" });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("'libx264'", Assert.Single(e.Problems));
        Assert.Contains("encode-audio0", e.Message);
        Assert.Contains("given an audio stream", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_OutputFolderMissing_ThrowsNamingThePath()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "no", "such", "folder", "out.mp4");
        var (graph, _) = await TinyTranscode(new EncodeOptions(), output);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Contains(output, problem);
        Assert.Contains("does not exist", problem);
        Assert.StartsWith("mux0:", problem);
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_UnknownContainer_ThrowsNamingThePath()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "out.nosuchcontainer");
        var (graph, _) = await TinyTranscode(new EncodeOptions(), output);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("out.nosuchcontainer", Assert.Single(e.Problems));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_UnconsumedStream_ThrowsNamingTheScaleNode()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var video = graph.Decode(input).Video;
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), video.Scale(32, 24));
        var dangling = video.Scale(16, 12); // never encoded nor sunk
        var name = dangling.Port.Node.Name;

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Equal("scale1", name);
        Assert.StartsWith($"{name}:", problem);
        Assert.Contains("not connected", problem);
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_Cycle_ThrowsMentioningTheCycleAndItsNodes()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), graph.Decode(input).Video.Scale(32, 24));
        var a = graph.Add(new PassThroughNode());
        var b = graph.Add(new PassThroughNode());
        graph.Connect(a.Outputs[0], b.Inputs[0]);
        graph.Connect(b.Outputs[0], a.Inputs[0]);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.Contains("cycle", problem);
        Assert.Contains(a.Name, problem);
        Assert.Contains(b.Name, problem);
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_StreamFromAnotherGraph_ThrowsArgumentException()
    {
        var input = await TestMedia.TinyAsync();
        var first = new Graph();
        var video = first.Decode(input).Video;
        var second = new Graph();

        var e = Assert.Throws<ArgumentException>(() => second.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), video));
        log.WriteLine(e.Message);
        Assert.Contains("another graph", e.Message);
        Assert.Throws<ArgumentException>(() => second.Filter("hflip", video));
        Assert.Throws<ArgumentException>(() => second.Sink(video));
        Assert.Throws<ArgumentException>(() => second.Connect(video.Port, second.Add(new PassThroughNode()).Inputs[0]));
    }

    [Fact(Timeout = 30000)]
    public async Task Encode_StreamCopyOfAProcessedStream_ThrowsArgumentException()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var scaled = graph.Decode(input).Video.Scale(32, 24);

        var e = Assert.Throws<ArgumentException>(() => graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), scaled, null, new EncodeOptions { VideoCodec = "copy" }));
        Assert.Contains("copy", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Connect_MismatchedKinds_ThrowsArgumentException()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var graph = new Graph();
        var audio = graph.Decode(input).Audio;
        var node = graph.Add(new PassThroughNode(MediaKind.Video));

        var e = Assert.Throws<ArgumentException>(() => graph.Connect(audio.Port, node.Inputs[0]));
        Assert.Contains("audio", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_UnconnectedInputOfCustomNode_ThrowsNamingTheNode()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var node = graph.Add(new PassThroughNode());
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), graph.Streams(node).VideoOutput(0));
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out2.mp4"), graph.Decode(input).Video);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.StartsWith($"{node.Name}: input 'in' is not connected", Assert.Single(e.Problems));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_SameStreamTwiceIntoOneNode_ThrowsNamingTheNode()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var video = graph.Decode(input).Video;
        var stacked = graph.Filter("[0][1]hstack", video, video);
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), stacked.Video(0));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith($"{stacked.Node.Name}:", problem);
        Assert.Contains("consumed twice", problem);
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_SeveralMistakes_ListsEveryOneInOneException()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var video = graph.Decode(input).Video;
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), video, null, new EncodeOptions { VideoCodec = "nosuchcodec" });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "missing", "out.mp4"), video.Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("nosuchcodec"));
        Assert.Contains(e.Problems, p => p.Contains("does not exist"));
    }

    [Fact(Timeout = 30000)]
    public async Task Validate_EmptyGraph_Throws()
    {
        var e = await Assert.ThrowsAsync<GraphValidationException>(() => new Graph().RunAsync());
        Assert.Contains("empty", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Filter_DescriptionThatDoesNotParse_ThrowsWhenTheNodeIsAdded()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => Task.Run(() => graph.Filter("nosuchfilter=1", source.Stream(graph))));
        log.WriteLine(e.Message);
        Assert.Contains("nosuchfilter", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Filter_WrongNumberOfInputs_ThrowsArgumentException()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Task.Run(() => graph.Filter("[0][1]overlay", source.Stream(graph))));
        Assert.Contains("2 open input", e.Message);
    }

    private static async Task<(Graph Graph, string Output)> TinyTranscode(EncodeOptions options, string? output = null)
    {
        var input = await TestMedia.TinyAsync();
        output ??= Path.Combine(TestMedia.OutputFolder(), "out.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video.Scale(32, 24), null, options);
        return (graph, output);
    }
}
