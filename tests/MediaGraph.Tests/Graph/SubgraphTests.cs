using System.Text.RegularExpressions;
using Xunit;

namespace MediaGraph.Tests.Graph;

using Graph = global::MediaGraph.Graph;

/// <summary>Subgraphs: a reusable piece (a method or a class taking streams and returning streams) used like a node,
/// its nodes grouped under its name in ToDot(), the JSON form, metrics and messages.</summary>
public sealed partial class SubgraphTests
{
    /// <summary>The piece a user writes once: deinterlace and scale, grouped as "prep".</summary>
    private static VideoStream Prep(VideoStream video, int width, int height)
        => video.Graph.Subgraph("prep", () => video.Deinterlace().Scale(width, height));

    /// <summary>The same piece as a class.</summary>
    private sealed class Letterbox(int width, int height) : Subgraph("letterbox")
    {
        protected internal override IReadOnlyList<MediaStream> Build(Graph graph, IReadOnlyList<MediaStream> inputs)
            => [((VideoStream)inputs[0]).Scale(width, -2).Filter($"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2")];
    }

    /// <summary>A registered subgraph kind, usable from JSON by name with parameters.</summary>
    private static readonly SubgraphDescriptor DeinterlaceAndScale = new()
    {
        Kind = "test-deinterlace-and-scale",
        Doc = "Deinterlaces (yadif) and scales.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Int("width", "Output width.", required: true, min: 1),
            Parameter.Int("height", "Output height.", required: true, min: 1),
        ],
        Build = (graph, inputs, values) => [((VideoStream)inputs[0]).Deinterlace().Scale(values.Get<int>("width"), values.Get<int>("height"))],
    };

    static SubgraphTests() => NodeRegistry.RegisterSubgraph(DeinterlaceAndScale);

    /// <summary>The node names declared inside cluster <paramref name="path"/> of <paramref name="dot"/> (its own,
    /// not those of clusters nested in it); null when there is no such cluster.</summary>
    private static List<string>? ClusterMembers(string dot, string path)
    {
        var start = dot.IndexOf($"subgraph \"cluster_{path}\" {{", StringComparison.Ordinal);
        if (start < 0) return null;
        var members = new List<string>();
        var depth = 0;
        foreach (var line in dot[start..].Split('\n'))
        {
            if (line.TrimEnd().EndsWith('{')) { depth++; continue; }
            if (line.Trim() == "}") { if (--depth == 0) break; continue; }
            if (depth == 1 && NodeLine().Match(line) is { Success: true } m) members.Add(m.Groups[1].Value);
        }
        return members;
    }

    [GeneratedRegex(@"^\s*""([^""]+)"" \[label=")]
    private static partial Regex NodeLine();

    [Fact]
    public void Subgraph_ToDot_DrawsItsNodesInACluster_AndNothingElse()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        graph.Encode("out.mp4", Prep(input.Video, 320, 240).Flip());

        var dot = graph.ToDot();

        Assert.Equal(["prep-deinterlace0", "prep-scale0"], ClusterMembers(dot, "prep"));
        Assert.Contains("label=\"prep\"", dot);
        Assert.Contains("\"flip0\" [label=", dot);          // outside the piece: outside the cluster
        Assert.Contains("\"prep-scale0\" -> \"flip0\"", dot); // and wired as before
        Assert.Equal(["prep"], graph.Subgraphs);
        Assert.Equal("prep", graph.Nodes.Single(n => n.Name == "prep-scale0").SubgraphPath);
        Assert.Null(graph.Nodes.Single(n => n.Name == "flip0").SubgraphPath);
    }

    [Fact]
    public void Subgraph_UsedTwice_GivesDistinctNodesInTwoClusters()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        graph.Encode("small.mp4", Prep(input.Video, 320, 240));
        graph.Encode("large.mp4", Prep(input.Video, 1280, 720));

        var dot = graph.ToDot();

        Assert.Equal(["prep", "prep-1"], graph.Subgraphs);
        Assert.Equal(["prep-deinterlace0", "prep-scale0"], ClusterMembers(dot, "prep"));
        Assert.Equal(["prep-1-deinterlace0", "prep-1-scale0"], ClusterMembers(dot, "prep-1"));
        Assert.Equal(graph.Nodes.Count, graph.Nodes.Select(n => n.Name).Distinct().Count());
        // One decoder serves both: it belongs to the input, not to either use.
        Assert.Null(graph.Nodes.Single(n => n.Kind == "decode-video").SubgraphPath);
    }

    [Fact]
    public void Subgraph_Nested_IsAClusterInsideItsParent()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        var video = graph.Subgraph("outer", () => Prep(input.Video, 320, 240).Flip());
        graph.Encode("out.mp4", video);

        var dot = graph.ToDot();

        Assert.Equal(["outer", "outer/prep"], graph.Subgraphs);
        Assert.Equal(["outer-flip0"], ClusterMembers(dot, "outer"));
        Assert.Equal(["outer-prep-deinterlace0", "outer-prep-scale0"], ClusterMembers(dot, "outer/prep"));
        var outer = dot.IndexOf("subgraph \"cluster_outer\" {", StringComparison.Ordinal);
        var inner = dot.IndexOf("subgraph \"cluster_outer/prep\" {", StringComparison.Ordinal);
        var outerEnd = dot.IndexOf("\n  }\n", outer, StringComparison.Ordinal);
        Assert.True(outer < inner && inner < outerEnd, dot);
        Assert.Equal("outer/prep", graph.Nodes.Single(n => n.Name == "outer-prep-scale0").SubgraphPath);
    }

    [Fact]
    public void Subgraph_AsAClass_IsUsedLikeANode()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");

        var outputs = graph.Subgraph(new Letterbox(640, 360), input.Video);
        graph.Encode("out.mp4", (VideoStream)Assert.Single(outputs));

        Assert.Equal(["letterbox-scale0", "letterbox-filter0"], ClusterMembers(graph.ToDot(), "letterbox"));
    }

    [Fact]
    public void Subgraph_JsonForm_NamesItAndRoundTripsToTheSameGraph()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        var video = graph.Subgraph("outer", () => Prep(input.Video, 320, 240).Flip());
        graph.Encode("out.mp4", Prep(video, 160, 120), input.Audio);

        var json = graph.ToJson();
        var read = Graph.FromJson(json);

        Assert.Contains("\"subgraph\": \"outer/prep\"", json);
        Assert.Equal(json, read.ToJson());                                    // write → read → write: the same text
        Assert.Equal(read.ToDot(), Graph.FromJson(read.ToJson()).ToDot());    // and the same picture
        foreach (var node in graph.Nodes.Where(n => n.Declaration is not null))
            Assert.Equal(node.SubgraphPath, read.Nodes.Single(n => n.Name == node.Name).SubgraphPath);
        Assert.Equal(["prep-deinterlace0", "prep-scale0"], ClusterMembers(read.ToDot(), "prep"));
        Assert.Equal(["outer-prep-deinterlace0", "outer-prep-scale0"], ClusterMembers(read.ToDot(), "outer/prep"));
        Assert.Equal(["outer-flip0"], ClusterMembers(read.ToDot(), "outer"));
    }

    [Fact]
    public void Subgraph_JsonWithABadSubgraphField_IsRefusedNamingTheNode()
    {
        var json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "s", "type": "scale", "input": "in.video", "width": 64, "height": 48, "subgraph": "a.b"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "s"}
            ]}
            """;

        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson(json));

        Assert.Contains(e.Problems, p => p.StartsWith("node 's' (scale): 'subgraph' must name a subgraph", StringComparison.Ordinal));
    }

    [Fact]
    public void Subgraph_ABuildError_NamesTheSubgraph()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");

        var e = Assert.ThrowsAny<ArgumentException>(() => graph.Subgraph("outer", () => graph.Subgraph("prep", () => graph.Add(new PassThroughNode(), input.Video, input.Video))));

        Assert.StartsWith("subgraph 'outer/prep': ", e.Message);
    }

    [Fact]
    public void Subgraph_AWiringProblem_NamesTheSubgraphAndTheNode()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        var video = graph.Subgraph("prep", () =>
        {
            input.Video.Flip(); // a stream left unconnected inside the piece
            return input.Video.Scale(64, 48);
        });
        graph.Encode("out.mp4", video);

        var e = Assert.Throws<GraphValidationException>(graph.Validate);

        Assert.Contains(e.Problems, p => p.StartsWith("prep-flip0 (subgraph 'prep'): stream 'prep-flip0.out' is not connected", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60000)]
    public async Task Subgraph_AFaultWhileRunning_NamesTheSubgraphAndTheNode()
    {
        var graph = new Graph();
        var input = graph.Decode(await TestMedia.TinyAsync());
        var video = graph.Subgraph("checks", () => input.Video.Through(new PassThroughNode { FailAt = 3 }));
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), video, null, new EncodeOptions { VideoCodec = "ffv1" });

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Equal("checks-passthrough0", e.Node);
        Assert.Equal("checks", e.Subgraph);
        Assert.StartsWith("checks-passthrough0 (subgraph 'checks'): the test node refuses item 3", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task RegisteredSubgraphKind_FromJsonByName_ExpandsIntoGroupedNodesThatRun()
    {
        var input = await TestMedia.TinyAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "out.mkv");
        var json = $$$"""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "{{{input}}}"},
              {"id": "prep", "type": "test-deinterlace-and-scale", "input": "in.video", "width": 32, "height": 24},
              {"id": "out", "type": "encode", "path": "{{{output}}}", "video": "prep", "options": {"videoCodec": "ffv1"}}
            ]}
            """;

        var graph = Graph.FromJson(json);
        var metrics = await graph.RunAsync();

        Assert.Equal(["prep-deinterlace0", "prep-scale0"], ClusterMembers(graph.ToDot(), "prep"));
        var probed = await Ffprobe.StreamAsync(output);
        Assert.Equal((32, 24, 10L), (probed.Width, probed.Height, probed.Frames));
        Assert.Equal("prep", metrics.Nodes.Single(n => n.Node.Contains("scale", StringComparison.Ordinal)).SubgraphPath);
        Assert.Contains("subgraph prep:", metrics.Summary());
        var unknown = Assert.Throws<GraphValidationException>(() => Graph.FromJson(json.Replace("\"test-deinterlace-and-scale\"", "\"test-deinterlace-and-scal\"")));
        Assert.Contains("did you mean 'test-deinterlace-and-scale'?", unknown.Message); // listed with the node kinds
    }

    [Fact]
    public void RegisteredSubgraphKind_BadParameters_AreReportedNamingTheNode()
    {
        var json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "prep", "type": "test-deinterlace-and-scale", "input": "in.video", "width": "wide"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "prep"}
            ]}
            """;

        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson(json));

        Assert.Contains(e.Problems, p => p.StartsWith("node 'prep' (test-deinterlace-and-scale): 'width' must be", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Contains("node 'prep' (test-deinterlace-and-scale)", StringComparison.Ordinal) && p.Contains("height", StringComparison.Ordinal));
    }

    [Fact]
    public void RegisteredSubgraphKind_InCode_ChecksItsStreamsAndValues()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");

        var e = Assert.Throws<ArgumentException>(() => graph.Subgraph(DeinterlaceAndScale, new ParameterValues { ["width"] = 0, ["height"] = 10 }, input.Video));
        var outputs = graph.Subgraph("small", DeinterlaceAndScale, new ParameterValues { ["width"] = 64, ["height"] = 48 }, input.Video);

        Assert.StartsWith("subgraph 'test-deinterlace-and-scale' (test-deinterlace-and-scale): ", e.Message);
        Assert.Equal("small-scale0", Assert.Single(outputs).Port.Node.Name);
    }
}
