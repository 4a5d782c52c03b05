using Xunit;

namespace MediaGraph.Tests.Graph;

using Graph = global::MediaGraph.Graph; // the MediaGraph.Tests.Graph namespace would hide the type

/// <summary>A node kind declared once (<see cref="NegateNode"/>, a file of this test project) is built from JSON,
/// written back, drawn with its parameters and checked, through the registry alone; wiring takes one call.</summary>
public sealed class NodeKindTests
{
    static NodeKindTests() => NodeRegistry.Register(NegateNode.Descriptor); // what a user does once

    private const string Json = """
        {"nodes": [
          {"id": "in", "type": "decode", "url": "in.mpg"},
          {"id": "n", "type": "negate", "input": "in.video", "planes": "luma", "mix": 0.5},
          {"id": "s", "type": "scale", "input": "n", "width": 320, "height": -2},
          {"id": "out", "type": "encode", "path": "out.mkv", "video": "s"}
        ]}
        """;

    [Fact(Timeout = 60000)]
    public Task UserKind_ReadFromJson_IsBuiltWithItsParametersAndWired() => Task.Run(() =>
    {
        var graph = Graph.FromJson(Json);

        var negate = Assert.IsType<NegateNode>(graph.Nodes.Single(n => n.Name == "n"));
        Assert.Equal(("luma", 0.5), (negate.Planes, negate.Mix));
        Assert.Same(negate.Outputs[0], graph.Nodes.Single(n => n.Name == "s").Inputs[0].Source);
        Assert.Equal("in-video", negate.Inputs[0].Source!.Node.Name);
    });

    [Fact(Timeout = 60000)]
    public Task UserKind_WrittenByToJson_ReadsBackToTheSameJson() => Task.Run(() =>
    {
        var json = Graph.FromJson(Json).ToJson();

        Assert.Contains("\"type\": \"negate\"", json);
        Assert.Contains("\"input\": \"in.video\"", json);
        Assert.Contains("\"planes\": \"luma\"", json);
        Assert.Contains("\"mix\": 0.5", json);
        Assert.Equal(json, Graph.FromJson(json).ToJson());
    });

    [Fact(Timeout = 60000)]
    public Task UserKind_ToDot_ShowsItsParameters() => Task.Run(() =>
    {
        var dot = Graph.FromJson(Json).ToDot();

        Assert.Contains("\"n\" [label=\"n (negate)\\nplanes=luma\\nmix=0.5\"]", dot);
        Assert.Contains("\"in-video\" -> \"n\"", dot);
    });

    [Theory(Timeout = 60000)]
    [InlineData("\"mix\": 1.5", "node 'n' (negate): 'mix' is 1.5; it must be from 0 to 1")]
    [InlineData("\"planes\": \"chroma\"", "node 'n' (negate): 'planes' is 'chroma'; it must be one of all, luma")]
    [InlineData("\"mix\": \"half\"", "node 'n' (negate): 'mix' must be a number")]
    [InlineData("\"mixx\": 1", "node 'n' (negate): unknown property 'mixx' (did you mean 'mix'?)")]
    public Task UserKind_BadParameterInJson_IsReportedNamingTheNodeAndTheParameter(string property, string expected) => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson($$"""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "n", "type": "negate", "input": "in.video", {{property}}},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "n"}
            ]}
            """));

        Assert.Equal([expected], e.Problems);
    });

    [Fact]
    public void UserKind_BadParameterInCode_ThrowsNamingTheKindAndTheParameter()
    {
        var e = Assert.Throws<ArgumentException>(() => new NegateNode("chroma", mix: -1));

        Assert.Equal("negate: 'planes' is 'chroma'; it must be one of all, luma; 'mix' is -1; it must be from 0 to 1", e.Message);
    }

    [Fact]
    public void Scale_ValuesGivenByName_AreCheckedAndReadAsTheirTypes()
    {
        var scale = (ScaleNode)ScaleNode.Descriptor.Create(new ParameterValues { ["width"] = 640, ["height"] = -2, ["algorithm"] = "lanczos" });

        Assert.Equal((640, -2, ScaleAlgorithm.Lanczos, null), (scale.Width, scale.Height, scale.Algorithm, scale.PixelFormat));
        Assert.Equal(["'algorithm' is 'nearest'; it must be one of bilinear, bicubic, area, lanczos, neighbor, fast_bilinear", "'widht' is not a parameter of scale (its parameters: width, height, algorithm, pixelFormat, pad, device)"],
            ScaleNode.Descriptor.Check(new ParameterValues { ["widht"] = 1, ["width"] = 1, ["height"] = 1, ["algorithm"] = "nearest" }).Order());
        Assert.Equal(["'graph' is missing"], FilterNode.Descriptor.Check(new ParameterValues { ["graph"] = " " }));
    }

    [Fact]
    public void Parameters_AreDeclaredOnceWithTypeDefaultAndDoc()
    {
        var mix = NegateNode.Descriptor.Find("mix")!;
        var planes = NegateNode.Descriptor.Find("planes")!;

        Assert.Equal((ParameterType.Double, 1.0, 0.0, 1.0, false), (mix.Type, mix.Default, mix.Min, mix.Max, mix.Required));
        Assert.Equal(["all", "luma"], planes.Allowed);
        Assert.NotEmpty(mix.Doc);
        Assert.True(ScaleNode.Descriptor.Find("width")!.Required);
        Assert.Equal(new Dictionary<string, string> { ["planes"] = "all", ["mix"] = "1" }, new NegateNode().DescribeOptions());
    }

    [Fact(Timeout = 60000)]
    public Task Scale_BadSizesInJson_AreReportedFromItsDeclaration() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "a", "type": "scale", "input": "in.video", "width": 0, "height": 10},
              {"id": "b", "type": "scale", "input": "in.video", "width": -1, "height": -2},
              {"id": "c", "type": "scale", "input": "in.video", "height": 10},
              {"id": "d", "type": "scale", "width": 10, "height": 10},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "a"}
            ]}
            """));

        Assert.Contains("node 'a' (scale): 'width' is 0; it must be positive, or -1 / -2 to keep the aspect ratio (-2 keeps it even)", e.Problems);
        Assert.Contains("node 'b' (scale): at most one of 'width' and 'height' may be -1 / -2", e.Problems);
        Assert.Contains("node 'c' (scale): 'width' is missing", e.Problems);
        Assert.Contains("node 'd' (scale): 'input' is missing", e.Problems);
    });

    [Fact(Timeout = 60000)]
    public Task Scale_UnreadableAndBadValuesInOneNode_AreAllReported() => Task.Run(() =>
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "s", "type": "scale", "input": "in.video", "width": "wide", "height": 0, "algorithm": "areaa"},
              {"id": "out", "type": "encode", "path": "out.mkv", "video": "s"}
            ]}
            """));

        Assert.Equal([
            "node 's' (scale): 'width' must be a whole number",
            "node 's' (scale): 'algorithm' is 'areaa'; it must be one of bilinear, bicubic, area, lanczos, neighbor, fast_bilinear",
            "node 's' (scale): 'height' is 0; it must be positive, or -1 / -2 to keep the aspect ratio (-2 keeps it even)",
        ], e.Problems);
    });

    [Fact]
    public void UnknownType_CloseToAKnownOne_SaysDidYouMean()
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""{"nodes": [{"id": "s", "type": "scael", "input": "x"}]}"""));

        Assert.StartsWith("node 's' has unknown type 'scael' (did you mean 'scale'? known types: decode, deinterlace, scale, filter, fps, convert, crop, flip, rotate, blur, gamma, upload, download, track, draw-detections, infer, read-text, overlay, every_nth, trim, atrim, setpts, encode", Assert.Single(e.Problems));
    }

    [Fact]
    public void Register_AnotherDeclarationUnderATakenName_Throws()
    {
        var impostor = new NodeDescriptor { Kind = "scale", Doc = "not the real one", Create = _ => throw new InvalidOperationException() };

        var e = Assert.Throws<ArgumentException>(() => NodeRegistry.Register(impostor));

        Assert.Contains("'scale' is already registered", e.Message);
        NodeRegistry.Register(NegateNode.Descriptor); // the same declaration again changes nothing
        Assert.Single(NodeRegistry.Kinds, k => k.Kind == "negate");
    }

    [Fact]
    public void Register_ParameterNamedLikeAJsonField_Throws()
    {
        var bad = new NodeDescriptor
        {
            Kind = "bad-input", Doc = "a parameter the JSON form could not tell from its own field",
            Parameters = [Parameter.String("input", "clashes")], Create = _ => throw new InvalidOperationException(),
        };

        Assert.Contains("cannot be named 'input'", Assert.Throws<ArgumentException>(() => NodeRegistry.Register(bad)).Message);
    }

    [Fact]
    public void Write_UnregisteredDeclaredKind_ThrowsSayingToRegisterIt()
    {
        var graph = new Graph();
        graph.Encode("out.mkv", graph.Decode("in.mpg").Video.Through(new UnregisteredNode()));

        var e = Assert.Throws<NotSupportedException>(() => graph.ToJson());

        Assert.Contains("node 'unregistered0' (unregistered)", e.Message);
        Assert.Contains("NodeRegistry.Register(UnregisteredNode.Descriptor)", e.Message);
    }

    [Fact]
    public void Through_WiresANodeInOneCall_AndAddChecksCountAndKinds()
    {
        var graph = new Graph();
        var video = (VideoStream)graph.AddVideoSource().Stream(graph);
        var audio = (AudioStream)graph.AddAudioSource().Stream(graph);

        var negated = video.Through(new NegateNode(mix: 0.25));
        var stacked = graph.Add(new FilterNode("[0][1]hstack"), video, negated);

        Assert.Same(video.Port, negated.Port.Node.Inputs[0].Source);
        Assert.Equal(1, stacked.Count);
        Assert.IsType<VideoStream>(stacked.Output(0));
        Assert.Contains("negate has 1 input(s) but was given 2", Assert.Throws<ArgumentException>(() => graph.Add(new NegateNode(), video, video)).Message);
        Assert.Contains("takes video, but stream", Assert.Throws<ArgumentException>(() => graph.Add(new NegateNode(), audio)).Message);
        Assert.Equal(4, graph.Nodes.Count); // a refused node is not added
    }

    /// <summary>A declared kind nobody registered.</summary>
    private sealed class UnregisteredNode : TransformNode
    {
        public static readonly NodeDescriptor Descriptor = new()
        {
            Kind = "unregistered", Doc = "passes frames on",
            Inputs = [new("in", MediaKind.Video)], Outputs = [new("out", MediaKind.Video)],
            Create = _ => new UnregisteredNode(),
        };

        public UnregisteredNode() : base(Descriptor, new ParameterValues()) { }

        protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first) => null;
    }
}
