using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

/// <summary>samples/camera-analytics.cs on a short clip with text: the drawn video has every frame, the JSON lines
/// carry the line's track id, and the inference-pipeline report is printed.</summary>
public sealed class CameraAnalyticsSampleTests(ITestOutputHelper log)
{
    [Fact(Timeout = 600000)]
    public async Task CameraAnalyticsSample_ShortClip_WritesDrawnVideoJsonWithTrackIdsAndTheReport()
    {
        var clip = await TestModels.TextClipAsync("ocr-analytics.mpg", 6, ("MEDIAGRAPH 2026", 40, 110));
        var folder = Cli.CliTestMedia.NewFolder();
        var (video, json) = (Path.Combine(folder, "analytics.mp4"), Path.Combine(folder, "analytics.jsonl"));
        var (code, output, error) = await TestMedia.RunSampleAsync("camera-analytics.cs", $"\"{clip}\" \"{video}\" \"{json}\" --det-size 480x288");
        log.WriteLine(error);
        Assert.True(code == 0, $"{output}\n{error}");

        Assert.Equal(6, (await Ffprobe.StreamAsync(video)).Frames);
        var lines = await File.ReadAllLinesAsync(json);
        Assert.Equal(6, lines.Length);
        var ids = lines.Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            var text = doc.RootElement.GetProperty("results").GetProperty("text").EnumerateArray()
                .SingleOrDefault(t => t.GetProperty("text").GetString() == "MEDIAGRAPH 2026");
            return text.ValueKind == JsonValueKind.Object && text.TryGetProperty("track", out var id) ? id.GetInt32() : 0;
        }).ToArray();
        // Confirmed after 3 frames (min hits), then the same id on every frame.
        Assert.Equal([0, 0], ids[..2]);
        Assert.True(ids[2] >= 1 && ids[2..].All(id => id == ids[2]), string.Join(",", ids));
        Assert.Contains("frames processed     6", error);
        Assert.Matches(@"overall fps +[\d.]+", error);
        Assert.Matches(@"effective fps +[\d.]+", error);
        Assert.Matches(@"inference latency +avg [\d.]+ ms, recent-100 [\d.]+ ms, min-max [\d.]+-[\d.]+ ms", error);
        Assert.Contains("errors               0 (error rate 0.0%)", error);
    }
}
