using Xunit;

namespace MediaGraph.Tests.Inference;

/// <summary>The post-processors on outputs made by hand, where the answer is known exactly.</summary>
public sealed class PostProcessorTests
{
    [Fact]
    public void DbTextDetector_Rectangle_GrownByTheUnclipDistanceAndMappedBackToTheFrame()
    {
        // A 40x8 block of probability 0.9 at (10, 10) in a 64x32 map of a frame twice as large.
        var map = new float[64 * 32];
        for (var y = 10; y < 18; y++)
            for (var x = 10; x < 50; x++) map[y * 64 + x] = 0.9f;
        var box = new Letterbox(128, 64, 64, 32, 0.5f, 0.5f);
        var region = Assert.Single(new DbTextDetector().Detect(map, 64, 32, box));
        // unclip: area * 1.5 / perimeter = 320 * 1.5 / 96 = 5 on every side: x 5..55, y 5..23 in the map.
        var b = region.Bounds;
        Assert.Equal(10, b.X, 0.6);
        Assert.Equal(10, b.Y, 0.6);
        Assert.Equal(100, b.Width, 0.6);
        Assert.Equal(36, b.Height, 0.6);
        Assert.Equal(0.9f, region.Score, 3);
    }

    [Fact]
    public void DbTextDetector_WeakOrTinyRegions_AreDropped()
    {
        var map = new float[64 * 32];
        for (var y = 2; y < 10; y++)
            for (var x = 2; x < 40; x++) map[y * 64 + x] = 0.5f; // above the threshold, under the box threshold
        for (var y = 20; y < 22; y++)
            for (var x = 20; x < 40; x++) map[y * 64 + x] = 0.95f; // 2 rows: shorter than the minimum size
        Assert.Empty(new DbTextDetector().Detect(map, 64, 32, new Letterbox(64, 32, 64, 32, 1, 1)));
    }

    [Fact]
    public void DbTextDetector_SlantedLine_GivesARotatedQuadClockwiseFromTopLeft()
    {
        var map = new float[100 * 100];
        for (var t = 0; t < 60; t++)
            for (var w = -3; w <= 3; w++)
            {
                int x = 20 + t, y = 30 + t / 2 + w; // about 26.6 degrees down to the right
                map[y * 100 + x] = 0.9f;
            }
        var region = Assert.Single(new DbTextDetector().Detect(map, 100, 100, new Letterbox(100, 100, 100, 100, 1, 1)));
        var p = region.Polygon;
        Assert.True(p[0].X < p[1].X && p[0].Y < p[1].Y, $"top edge goes right and down: {string.Join(" ", p)}");
        Assert.True(p[3].Y > p[0].Y && p[2].Y > p[1].Y, "bottom edge below the top edge");
        var angle = Math.Atan2(p[1].Y - p[0].Y, p[1].X - p[0].X) * 180 / Math.PI;
        Assert.InRange(angle, 22, 31);
    }

    [Fact]
    public void CtcDecoder_RepeatsMergedBlanksDroppedSpaceIsTheLastClass()
    {
        var keys = Path.Combine(TestMedia.OutputFolder(), "keys.txt");
        File.WriteAllLines(keys, ["A", "B"]);
        var ctc = new CtcDecoder(keys);
        // Loading reads the key file (and says it does not fit the real recogniser's 6625 classes).
        Assert.Contains("has 2 characters", ctc.Validate(RecognizerOutputs()));
        // classes: 0 blank, 1 A, 2 B, 3 space. Steps: A A blank A space B B -> "AA B".
        int[] best = [1, 1, 0, 1, 3, 2, 2];
        var probabilities = new float[best.Length * 4];
        for (var t = 0; t < best.Length; t++)
        {
            for (var c = 0; c < 4; c++) probabilities[t * 4 + c] = 0.1f;
            probabilities[t * 4 + best[t]] = 0.7f;
        }
        var (text, confidence) = ctc.Decode(probabilities, best.Length, 4);
        Assert.Equal("AA B", text);
        Assert.Equal(0.7f, confidence, 3);
    }

    /// <summary>The output metadata of the real recogniser.</summary>
    private static IReadOnlyDictionary<string, Microsoft.ML.OnnxRuntime.NodeMetadata> RecognizerOutputs()
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(TestModels.Recognizer);
        return session.OutputMetadata.ToDictionary(kv => kv.Key, kv => kv.Value);
    }
}
