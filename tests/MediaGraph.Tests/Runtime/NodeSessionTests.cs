using Xunit;

namespace MediaGraph.Tests.Runtime;

/// <summary>Sync mode: any node called on frames without a graph, validated as in a graph.</summary>
public sealed class NodeSessionTests
{
    [Fact(Timeout = 30000)]
    public async Task Session_TwoInputOverlay_TakesFramesOnEachInputAndEmitsTheComposite()
    {
        await using var overlay = NodeSession.For([MediaKind.Video, MediaKind.Video], (g, s) => g.Filter("[0][1]overlay=8:8", s).Node);
        var emitted = new List<NodeOutput>();
        for (var i = 0; i < 3; i++)
        {
            emitted.AddRange(await overlay.ProcessAsync(0, TestFrames.Gray(i, luma: 50)));
            emitted.AddRange(await overlay.ProcessAsync(1, TestFrames.Gray(i, luma: 200, width: 16, height: 16)));
        }
        emitted.AddRange(await overlay.FinishAsync());

        Assert.Equal(3, emitted.Count);
        Assert.All(emitted, o => Assert.Equal(0, o.Output));
        var first = (VideoFrame)emitted[0].Item;
        Assert.Equal((64, 48), (first.Width, first.Height));
        var luma = first.GetPlaneSpan(0);
        var pitch = first.GetPlane(0).Pitch;
        Assert.Equal(50, luma[0]);              // background
        Assert.Equal(200, luma[10 * pitch + 10]); // inside the overlaid 16x16 square at (8, 8)
        foreach (var o in emitted) o.Item.Dispose();
    }

    [Fact(Timeout = 30000)]
    public async Task Session_NodeDefinitionNotInAnyGraph_RunsOnTheFramesHandedToIt()
    {
        await using var scale = NodeSession.Create(new ScaleNode(32, 24));
        var outputs = new List<MediaItem>();
        for (var i = 0; i < 3; i++) outputs.AddRange(await scale.ProcessAsync(TestFrames.Gray(i)));
        outputs.AddRange(await scale.FlushAsync());

        Assert.Equal([0L, 1, 2], outputs.Select(o => o.Pts));
        Assert.All(outputs, o => Assert.Equal((32, 24), (((VideoFrame)o).Width, ((VideoFrame)o).Height)));
        foreach (var o in outputs) o.Dispose();
    }

    [Fact(Timeout = 30000)]
    public async Task Session_TwoOutputSplit_SaysWhichOutputEachItemCameOutOf()
    {
        await using var split = NodeSession.For([MediaKind.Video], (g, s) => g.Filter("split[a][b];[b]hflip", s).Node);
        var emitted = new List<NodeOutput>();
        emitted.AddRange(await split.ProcessAsync(0, TestFrames.Gray(0)));
        emitted.AddRange(await split.FinishAsync());

        Assert.Equal([0, 1], emitted.Select(o => o.Output).Order());
        foreach (var o in emitted) o.Item.Dispose();
    }

    [Fact(Timeout = 30000)]
    public async Task Session_ItemOfTheWrongKind_IsRefusedNamingTheInputAndReleased()
    {
        await using var volume = NodeSession.ForAudio(a => a.Filter("volume=0.5"));
        var frame = TestFrames.Gray(0);

        var e = await Assert.ThrowsAsync<ArgumentException>(async () => await volume.ProcessAsync(frame));

        Assert.Contains("takes audio", e.Message);
        Assert.Equal(0, frame.ReferenceCount);
    }

    [Fact]
    public void Session_NodeWithABadOption_FailsValidationBeforeAnyItem()
    {
        var e = Assert.Throws<GraphValidationException>(() => NodeSession.Create(new RefusingNode()));
        Assert.Contains("refusing0: the test option is wrong", e.Message);
    }

    [Fact]
    public void Session_SourceNode_IsRefusedSayingToRunItInAGraph()
    {
        var graph = new global::MediaGraph.Graph();
        var e = Assert.Throws<ArgumentException>(() => NodeSession.Create(graph.AddVideoSource()));
        Assert.Contains("has no inputs", e.Message);
    }

    private sealed class RefusingNode : Node
    {
        public RefusingNode()
        {
            Name = "refusing0";
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "out");
        }

        public override string Kind => "refusing";
        protected internal override void Validate(ValidationContext context) => context.Problem(this, "the test option is wrong");
        protected internal override NodeInstance CreateInstance() => throw new InvalidOperationException("never made");
    }
}
