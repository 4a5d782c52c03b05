using System.Text.Json;
using Xunit;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>The JSON-lines sink and the CLI's read-text and infer commands on a clip with drawn text.</summary>
public sealed class JsonLinesTests
{
    [Fact]
    public async Task WriteJsonLines_ReadText_OneObjectPerFrameWithStreamPtsTimeAndLines()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var path = Path.Combine(TestMedia.OutputFolder(), "results.jsonl");
        var graph = new Graph();
        graph.WriteJsonLines(path, graph.Decode(clip).Video.ReadText(TestModels.Ocr));
        await graph.RunAsync();
        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(3, lines.Length);
        for (var i = 0; i < 3; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal(0, root.GetProperty("stream").GetInt32());
            Assert.Equal(i * 0.04, root.GetProperty("time").GetDouble(), 3);
            Assert.True(root.GetProperty("pts").GetInt64() >= 0);
            var text = root.GetProperty("results").GetProperty("text").EnumerateArray()
                .Single(t => t.GetProperty("text").GetString() == "MEDIAGRAPH 2026");
            Assert.Equal(4, text.GetProperty("polygon").GetArrayLength());
            Assert.Equal(2, text.GetProperty("polygon")[0].GetArrayLength());
            Assert.InRange(text.GetProperty("confidence").GetDouble(), 0.5, 1);
            Assert.InRange(text.GetProperty("score").GetDouble(), 0.6, 1);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Cli_ReadTextJson_WritesTheLinesAndPrintsTheInferenceLatency()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var path = Path.Combine(TestMedia.OutputFolder(), "cli.jsonl");
        var result = await Cli.CliTestMedia.RunAsync("read-text", clip, "--json", path, "--det-size", "480x288", "--threads", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, (await File.ReadAllLinesAsync(path)).Count(l => l.Contains("\"MEDIAGRAPH 2026\"")));
        Assert.Matches(@"infer0 inference \(ch_PP-OCRv4_det_infer\.onnx, CPU\): 3 runs, 3 frames .* avg [\d.]+ ms, recent-100 [\d.]+ ms, min-max [\d.]+-[\d.]+ ms, 0 errors", result.Error);
    }

    [Fact(Timeout = 120000)]
    public async Task Cli_InferClassify_PrintsTopClassesPerFrame()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var result = await Cli.CliTestMedia.RunAsync("infer", clip, "--model", TestModels.Orientation, "--post", "classify",
            "--size", "192x48", "--bgr", "--top", "2", "--batch", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("infer0 inference (ch_ppocr_mobile_v2.0_cls_infer.onnx, CPU): 2 runs, 3 frames", result.Error);
    }

    [Fact(Timeout = 120000)]
    public async Task Cli_InferWithANonOnnxModel_FailsNamingTheFile()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var result = await Cli.CliTestMedia.RunAsync("infer", clip, "--model", clip, "--post", "text-detect");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"infer0: '{clip}' is not an ONNX model", result.Error);
    }
}
