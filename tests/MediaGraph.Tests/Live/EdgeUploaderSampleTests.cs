using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Live;

/// <summary>samples/edge-uploader.cs: a clip cut into 3-second chunks, every 3rd frame kept, a JSON sidecar per
/// chunk that agrees with ffprobe.</summary>
public sealed class EdgeUploaderSampleTests(ITestOutputHelper log)
{
    [Fact(Timeout = 600000)]
    public async Task EdgeUploader_EightSecondClip_WritesThreeChunksWhoseSidecarsAgreeWithFfprobe()
    {
        var clip = await TestMedia.ClipAsync("edge-8s.mkv", "-f lavfi -i testsrc2=size=320x180:rate=25 -frames:v 200 -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
        var outDir = Path.Combine(TestMedia.OutputFolder(), "chunks");

        var (code, output, error) = await TestMedia.RunSampleAsync("edge-uploader.cs", $"\"{clip}\" \"{outDir}\" --every 3 --chunk-seconds 3");

        log.WriteLine(output);
        log.WriteLine(error);
        Assert.Equal(0, code);
        var sidecars = Directory.GetFiles(outDir, "*.json").Order().ToList();
        Assert.Equal(3, sidecars.Count); // 8 s in 3-second chunks: 3 + 3 + 2
        Assert.Equal(3, Directory.GetFiles(outDir, "*.ts").Length);
        double expectedStart = 0;
        long frames = 0;
        foreach (var sidecar in sidecars)
        {
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(sidecar));
            var s = json.RootElement;
            var chunk = Path.Combine(outDir, s.GetProperty("file").GetString()!);
            var probed = await Ffprobe.StreamAsync(chunk);
            log.WriteLine($"{Path.GetFileName(sidecar)}: {s}; ffprobe: {probed.Frames} frames, {probed.Width}x{probed.Height}");
            Assert.Equal(probed.Frames, s.GetProperty("frames").GetInt64());
            Assert.Equal((probed.Width, probed.Height), (s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32()));
            // Chunks follow each other: a chunk's duration ends with its last frame's own duration (0.04 s), the
            // next starts at the next kept frame (0.12 s after the last).
            Assert.InRange(s.GetProperty("start").GetDouble() - expectedStart, -0.001, 0.125);
            var (start, end) = await Ffprobe.PacketSpanAsync(chunk, "v:0");
            Assert.InRange(Math.Abs(end - start - s.GetProperty("duration").GetDouble()), 0, 0.125); // within one kept frame (0.12 s)
            Assert.True(DateTimeOffset.TryParse(s.GetProperty("wallClockStart").GetString(), out _));
            expectedStart = s.GetProperty("start").GetDouble() + s.GetProperty("duration").GetDouble();
            frames += probed.Frames;
        }
        Assert.Equal(67, frames); // frames 0, 3, ..., 198 of 200
    }
}
