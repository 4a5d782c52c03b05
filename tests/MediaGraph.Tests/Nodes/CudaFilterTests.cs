using Xunit;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph;

/// <summary>Filter("...") with FFmpeg's CUDA filters: which filters make a graph take device frames, where the run
/// places it (uploads before, downloads after), and the clear failure on a run without a CUDA GPU — on the CPU and on
/// cuda-sim, which has no CUDA context. The hardware path itself (frames handed to scale_cuda and adopted back) runs
/// only on a GPU and is not exercised here.</summary>
public sealed class CudaFilterTests
{
    [Theory]
    [InlineData("yadif_cuda=mode=send_frame,scale_cuda=640:360", new[] { "yadif_cuda", "scale_cuda" })]
    [InlineData("[0][1]overlay_cuda=x=10:y=10", new[] { "overlay_cuda" })]
    [InlineData("scale=640:360,hflip", new string[0])]
    [InlineData("format=nv12,null", new string[0])]
    public void Filter_NamesItsCudaFilters_FromTheParsedGraph(string description, string[] expected)
    {
        var node = new FilterNode(description);

        Assert.Equal(expected, node.CudaFilters);
        Assert.Equal(expected.Length > 0, node.TakesDeviceFrames);
    }

    [Fact]
    public void Filter_DeviceOptionCuda_TakesDeviceFramesWithoutACudaFilter()
        => Assert.True(new FilterNode("null", device: "cuda").TakesDeviceFrames);

    [Theory]
    [InlineData("cpu", "this graph runs on the CPU")]
    [InlineData("cuda-sim", "cuda-sim, ILGPU's CPU simulator, which has no CUDA context")]
    public void Filter_WithACudaFilterWithoutAGpu_IsAValidationProblemNamingTheNodeAndTheFilter(string device, string why)
    {
        var graph = new Graph(new GraphOptions { Device = Device.Parse(device) });
        var source = graph.AddVideoSource();
        graph.Sink(((VideoStream)source.Stream(graph)).Filter("scale_cuda=64:36"));

        var e = Assert.Throws<GraphValidationException>(() => graph.Validate());

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("filter0: 'scale_cuda' is FFmpeg's CUDA filter and needs a CUDA GPU", problem);
        Assert.Contains(why, problem);
        Assert.Contains("use the CPU filter ('scale')", problem);
    }

    [Fact]
    public void Filter_WithACudaFilterOnAutoWithoutAGpu_IsAValidationProblem()
    {
        if (ComputeDevice.CudaPresent) return; // a machine with a CUDA GPU: auto runs the graph there
        var graph = new Graph(new GraphOptions { Device = Device.Auto });
        var source = graph.AddVideoSource();
        graph.Sink(((VideoStream)source.Stream(graph)).Filter("yadif_cuda"));

        var e = Assert.Throws<GraphValidationException>(() => graph.Validate());

        Assert.Contains(e.Problems, p => p.StartsWith("filter0: 'yadif_cuda'") && p.Contains("this machine has no CUDA GPU"));
    }

    [Fact]
    public void Filter_CudaFilterWithDeviceOptionCpu_IsAValidationProblem()
    {
        const string json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "f", "type": "filter", "input": "in.video", "graph": "scale_cuda=640:360", "device": "cpu"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "f"}
            ]}
            """;

        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson(json).Validate());

        Assert.Contains(e.Problems, p => p.Contains("'scale_cuda' is FFmpeg's CUDA filter: it takes device frames, and the node's \"device\" option is cpu"));
    }

    [Fact]
    public async Task ToDot_OnADevice_PutsTheCudaFilterGraphOnTheDeviceBetweenAnUploadAndADownload()
    {
        var input = await TestMedia.TinyAsync(3);
        var graph = new Graph(new GraphOptions { Device = Device.CudaSim });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(input).Video.Filter("scale_cuda=64:36").Filter("hflip"));

        var dot = graph.ToDot();

        Assert.Contains("\"decode-video0\" -> \"upload(decode-video0)\"", dot);
        Assert.Contains("\"upload(decode-video0)\" -> \"filter0\"", dot);
        Assert.Contains("\"filter0\" -> \"download(filter0)\"", dot);
        Assert.Contains("\"download(filter0)\" -> \"filter1\"", dot);
    }

    [Fact]
    public void Filter_DeviceOption_IsPartOfTheJsonForm()
    {
        const string json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "f", "type": "filter", "input": "in.video", "graph": "scale_cuda=640:360", "device": "cuda"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "f"}
            ]}
            """;
        var node = Assert.IsType<FilterNode>(Graph.FromJson(json).Nodes.Single(n => n.Name == "f"));
        Assert.True(node.TakesDeviceFrames);
        Assert.Equal(["scale_cuda"], node.CudaFilters);
    }
}
