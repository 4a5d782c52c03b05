using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>Infer, ReadText, Track and DrawDetections in the JSON form (models referenced by path) and in the CLI's
/// read-text --draw.</summary>
public sealed class AnnotationJsonTests(ITestOutputHelper log)
{
    private static string Json(string clip, string output, string models) => $$"""
        {"nodes": [
          {"id": "in", "type": "decode", "url": {{JsonSerializer.Serialize(clip)}}},
          {"id": "ocr", "type": "read-text", "input": "in.video", "models": {{JsonSerializer.Serialize(models)}}, "detWidth": 480, "detHeight": 288, "threads": 2},
          {"id": "ids", "type": "track", "input": "ocr", "minHits": 2, "maxAge": 10},
          {"id": "drawn", "type": "draw-detections", "input": "ids", "label": "track,text,score", "lineWidth": 3},
          {"id": "out", "type": "encode", "path": {{JsonSerializer.Serialize(output)}}, "video": "drawn"}
        ]}
        """;

    [Fact]
    public void Read_AnnotationNodes_BuildWithTheirOptionsAndWriteBackTheSameJson()
    {
        var graph = Graph.FromJson(Json("in.mpg", "out.mp4", "/models"));
        var track = Assert.IsType<TrackNode>(graph.Nodes.Single(n => n.Name == "ids"));
        Assert.Equal((10, 2, 0.3), (track.Options.MaxAge, track.Options.MinHits, track.Options.IouThreshold));
        var draw = Assert.IsType<DrawDetectionsNode>(graph.Nodes.Single(n => n.Name == "drawn"));
        Assert.Equal((LabelFields.Track | LabelFields.Text | LabelFields.Score, 3), (draw.Options.Label, draw.Options.LineWidth));
        var ocr = Assert.IsType<RecognizeTextNode>(graph.Nodes.Single(n => n.Name == "ocr"));
        Assert.Equal("read-text", ocr.Kind);
        Assert.Equal(Path.Combine("/models", OcrModels.DetectorFile), ocr.Models.Detector.Path);
        Assert.Equal((480, 288, true, 0.5f), (ocr.Models.Options.DetectionWidth, ocr.Models.Options.DetectionHeight, ocr.Models.Options.Orientation, ocr.Models.Options.MinConfidence)); // defaults filled in
        var json = graph.ToJson();
        Assert.Equal(json, Graph.FromJson(json).ToJson());
        Assert.Contains("\"type\": \"draw-detections\"", json);
    }

    [Fact]
    public void Read_InferWithAMissingModel_IsAValidationProblemNamingTheNodeAndTheFile()
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "det", "type": "infer", "input": "in.video", "model": "/nowhere/det.onnx", "post": "text-detect"},
              {"id": "rec", "type": "infer", "input": "det", "model": "/nowhere/rec.onnx", "post": "text-recognize"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "rec"}
            ]}
            """.Replace("\"post\": \"text-recognize\"", "\"post\": \"text-recognize\", \"keys\": \"/nowhere/keys.txt\""));
        var infer = Assert.IsType<InferNode>(graph.Nodes.Single(n => n.Name == "det"));
        Assert.Equal(("/nowhere/det.onnx", 960, 544), (infer.Model.Path, infer.Model.Preprocess.Width, infer.Model.Preprocess.Height));
        var problems = new List<string>();
        foreach (var node in graph.Nodes.OfType<InferNode>())
        {
            var context = new ValidationContext();
            node.Validate(context);
            problems.AddRange(context.Problems);
        }
        Assert.Contains("det: model file '/nowhere/det.onnx' does not exist", problems);
        Assert.Contains("rec: model file '/nowhere/rec.onnx' does not exist", problems);
    }

    [Fact]
    public void Read_TextRecognizeWithoutKeys_NamesTheMissingParameter()
    {
        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "rec", "type": "infer", "input": "in.video", "model": "rec.onnx", "post": "text-recognize"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "rec"}
            ]}
            """));
        Assert.Contains(e.Problems, p => p.Contains("rec") && p.Contains("needs 'keys'"));
    }

    [Fact(Timeout = 180000)]
    public async Task Run_JsonReadTextTrackDraw_EncodesEveryFrameWithTheDrawing()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var output = Path.Combine(TestMedia.OutputFolder(), "drawn.mp4");
        var graph = Graph.FromJson(Json(clip, output, TestModels.Folder));
        var metrics = await graph.RunAsync();
        log.WriteLine(metrics.Summary());
        Assert.Equal(3, (await Ffprobe.StreamAsync(output)).Frames);
        // The drawing is there: the encoded frame differs from the clip's around the text's box, not far from it.
        var drawn = await LumaAsync(output);
        var plain = await LumaAsync(clip);
        var changed = 0;
        for (var i = 0; i < drawn.Length; i++) if (Math.Abs(drawn[i] - plain[i]) > 40) changed++;
        log.WriteLine($"{changed} luma samples changed by more than 40");
        Assert.InRange(changed, 300, 30000);
    }

    private static async Task<byte[]> LumaAsync(string path)
    {
        var raw = Path.Combine(TestMedia.Folder, $"luma-{Guid.NewGuid():N}.gray");
        await TestMedia.RunFfmpegAsync($"-i \"{path}\" -frames:v 1 -f rawvideo -pix_fmt gray \"{raw}\"");
        var bytes = await File.ReadAllBytesAsync(raw);
        File.Delete(raw);
        return bytes;
    }

    [Fact(Timeout = 180000)]
    public async Task Cli_ReadTextDrawTrack_WritesTheDrawnVideoAndTrackIdsInTheJson()
    {
        var clip = await TestModels.TextClipAsync("ocr-json.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        var folder = TestMedia.OutputFolder();
        var (json, video) = (Path.Combine(folder, "cli.jsonl"), Path.Combine(folder, "cli-drawn.mp4"));
        var result = await Cli.CliTestMedia.RunAsync("read-text", clip, "--json", json, "--draw", video, "--track", "--det-size", "480x288", "--threads", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, (await Ffprobe.StreamAsync(video)).Frames);
        var lines = await File.ReadAllLinesAsync(json);
        Assert.Equal(3, lines.Length);
        // min hits 3: the line is confirmed on the third frame and carries its id there (not before).
        JsonElement Line(int frame)
        {
            using var doc = JsonDocument.Parse(lines[frame]);
            return doc.RootElement.GetProperty("results").GetProperty("text").EnumerateArray().Single(t => t.GetProperty("text").GetString() == "MEDIAGRAPH 2026").Clone();
        }
        Assert.False(Line(1).TryGetProperty("track", out _));
        Assert.True(Line(2).GetProperty("track").GetInt32() >= 1);
    }
}
