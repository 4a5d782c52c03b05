using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Cli;

/// <summary>
/// <c>mediagraph read-text IN</c>: PaddleOCR's PP-OCRv4 text detection and recognition on every frame (or every Nth),
/// one line per frame with text on stdout, or one JSON object per frame into --json; and <c>mediagraph infer IN
/// --model m.onnx --post ...</c>: any ONNX model with a built-in post-processor. Both print the metrics summary, with
/// the model runs' latency, on stderr.
/// </summary>
internal static class InferCommands
{
    public static Command ReadText(CliContext cli)
    {
        var input = new Argument<string>("input") { Description = "Input file or URL" };
        var json = new Option<string?>("--json") { Description = "Write one JSON object per frame (stream, pts, time, and per line of text its polygon, score, text and confidence) to this file", HelpName = "results.jsonl" };
        var every = new Option<int>("--every") { Description = "Read every Nth frame only (the others are dropped)", HelpName = "N", DefaultValueFactory = _ => 1 };
        var models = new Option<string?>("--models") { Description = $"Folder of the PaddleOCR models (default: $MEDIAGRAPH_MODELS, else {OcrModels.DefaultFolder}; scripts/setup.sh fetches them)", HelpName = "dir" };
        var size = SizeOption("--det-size", "The text detector's input size (multiples of 32); frames are fitted keeping their aspect", "960x544");
        var noOrientation = new Option<bool>("--no-orientation") { Description = "Skip the 0/180° orientation classifier" };
        var (threads, provider) = RuntimeOptions();
        var draw = new Option<string?>("--draw") { Description = "Also write the video with each line's polygon and text drawn on it (DrawDetections) to this file", HelpName = "out.mp4" };
        var track = new Option<bool>("--track") { Description = "Give each line a track id that stays with it across frames (SORT), in --json as \"track\" and drawn as #id" };
        var tensorize = TensorizeOption();
        var command = new Command("read-text", "Read the text in a video with PaddleOCR (PP-OCRv4 detection + recognition)")
        {
            input, json, every, models, size, noOrientation, threads, provider, draw, track, tensorize,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var progress = cli.CreateProgress();
            var options = cli.CreateGraphOptions(parse, progress);
            var (w, h) = parse.GetValue(size);
            await using var ocr = OcrModels.Open(parse.GetValue(models), new TextReaderOptions
            {
                DetectionWidth = w,
                DetectionHeight = h,
                Orientation = !parse.GetValue(noOrientation),
                Inference = Inference(parse, threads, provider),
            }, options.LoggerFactory?.CreateLogger("MediaGraph.Inference"));
            var graph = new Graph(options);
            var video = Every(graph.Decode(parse.GetValue(input)!).Video, parse.GetValue(every)).ReadText(ocr, new InferOptions { Tensorize = parse.GetValue(tensorize) });
            if (parse.GetValue(track)) video = video.Track();
            if (parse.GetValue(draw) is { } drawn) graph.Encode(drawn, EvenSize(video.DrawDetections()), null); // the ffmpeg CLI's codec for the container
            return await RunAsync(cli, graph, video, parse.GetValue(json), progress, cancellationToken, PrintText).ConfigureAwait(false);
        });
        return command;
    }

    public static Command Infer(CliContext cli)
    {
        var input = new Argument<string>("input") { Description = "Input file or URL" };
        var model = new Option<string>("--model") { Description = "The ONNX model", HelpName = "m.onnx", Required = true };
        var post = new Option<string>("--post") { Description = "Post-processing: classify (softmax top-k), text-detect (DB, PP-OCR det), text-recognize (CTC, PP-OCR rec; needs --keys)", Required = true };
        post.AcceptOnlyFromAmong("classify", "text-detect", "text-recognize");
        var keys = new Option<string?>("--keys") { Description = "text-recognize: the key file (one character per line, ppocr_keys_v1.txt)", HelpName = "file" };
        var labels = new Option<string?>("--labels") { Description = "classify: a file with one label per class", HelpName = "file" };
        var top = new Option<int>("--top") { Description = "classify: classes kept per frame", HelpName = "K", DefaultValueFactory = _ => 5 };
        var size = SizeOption("--size", "The model's input size (default per --post: classify 224x224, text-detect 960x544, text-recognize 320x48)", null);
        var bgr = new Option<bool>("--bgr") { Description = "classify: the model takes BGR (default RGB, ImageNet mean and std)" };
        var batch = new Option<int>("--batch") { Description = "Frames per model run", HelpName = "N", DefaultValueFactory = _ => 1 };
        var every = new Option<int>("--every") { Description = "Run on every Nth frame only", HelpName = "N", DefaultValueFactory = _ => 1 };
        var json = new Option<string?>("--json") { Description = "Write one JSON object per frame with its results to this file", HelpName = "results.jsonl" };
        var (threads, provider) = RuntimeOptions();
        var tensorize = TensorizeOption();
        var command = new Command("infer", "Run an ONNX model on every frame with a built-in post-processor")
        {
            input, model, post, keys, labels, top, size, bgr, batch, every, json, threads, provider, tensorize,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var kind = parse.GetValue(post)!;
            PostProcessor postProcessor = kind switch
            {
                "text-detect" => new DbTextDetector(),
                "text-recognize" => new CtcDecoder(parse.GetValue(keys) ?? throw new CommandException("--post text-recognize needs --keys (the model's key file)", Program.UsageError)),
                _ => new SoftmaxClassifier(parse.GetValue(top), parse.GetValue(labels) is { } file ? ReadLabels(file) : []),
            };
            var given = parse.GetValue(size);
            var spec = kind switch
            {
                "text-detect" => given is var (w, h) && w > 0 ? PreprocessSpec.PaddleTextDetection(w, h) : PreprocessSpec.PaddleTextDetection(),
                "text-recognize" => given is var (rw, _) && rw > 0 ? PreprocessSpec.PaddleTextRecognition(rw) : PreprocessSpec.PaddleTextRecognition(),
                _ => new PreprocessSpec(given.Width > 0 ? given.Width : 224, given.Height > 0 ? given.Height : 224, keepAspect: false,
                    parse.GetValue(bgr) ? ColorOrder.Bgr : ColorOrder.Rgb, mean: [0.485f, 0.456f, 0.406f], std: [0.229f, 0.224f, 0.225f]),
            };
            var progress = cli.CreateProgress();
            var options = cli.CreateGraphOptions(parse, progress);
            await using var inference = new InferenceModel(parse.GetValue(model)!, spec, postProcessor, Inference(parse, threads, provider),
                options.LoggerFactory?.CreateLogger("MediaGraph.Inference"));
            var graph = new Graph(options);
            var video = Every(graph.Decode(parse.GetValue(input)!).Video, parse.GetValue(every))
                .Infer(inference, new InferOptions { BatchSize = Math.Max(1, parse.GetValue(batch)), Tensorize = parse.GetValue(tensorize) });
            return await RunAsync(cli, graph, video, parse.GetValue(json), progress, cancellationToken, PrintResult).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The frames at an even size, which 4:2:0 encoders need: an odd width or height grows by one pixel
    /// (libavfilter's scale; frames of an even size pass through it untouched).</summary>
    private static VideoStream EvenSize(VideoStream video) => video.Filter("scale=w=ceil(iw/2)*2:h=ceil(ih/2)*2");

    private static VideoStream Every(VideoStream video, int every)
    {
        if (every < 1) throw new CommandException($"--every {every}: give 1 or more", Program.UsageError);
        return every == 1 ? video : video.Filter($"select='not(mod(n\\,{every}))'");
    }

    /// <summary>Runs the graph, the results going to the JSON file or, one line per frame, to stdout.</summary>
    private static async Task<int> RunAsync(CliContext cli, Graph graph, VideoStream video, string? json, ProgressLine progress,
        CancellationToken cancellationToken, Func<VideoFrame, string?> describe)
    {
        if (json is not null)
        {
            graph.WriteJsonLines(json, video);
            return await cli.RunGraphAsync(graph, progress, cancellationToken).ConfigureAwait(false);
        }
        var sink = graph.Sink(video);
        graph.Validate(); // a bad model or key file is reported here, before the app starts reading
        var run = cli.RunGraphAsync(graph, progress, cancellationToken);
        await foreach (var frame in sink.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            using (frame)
                if (describe(frame) is { } line)
                    cli.Out.WriteLine(double.IsFinite(frame.PtsSeconds)
                        ? string.Create(CultureInfo.InvariantCulture, $"{frame.PtsSeconds,9:0.000}s  {line}")
                        : $"{"?",9}s  {line}"); // a frame without a timestamp
        return await run.ConfigureAwait(false);
    }

    private static string? PrintText(VideoFrame frame)
        => frame.Metadata.TryGet<TextLines>(out var lines) && lines.Lines.Count > 0
            ? string.Join("  |  ", lines.Lines.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Text} ({l.Confidence:0.00})")))
            : null;

    private static string? PrintResult(VideoFrame frame)
    {
        foreach (var value in frame.Metadata.Values)
            switch (value)
            {
                case Classification c:
                    return string.Join("  ", c.Top.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Label ?? t.Class.ToString(CultureInfo.InvariantCulture)} {t.Score:0.000}")));
                case TextDetections d:
                    return string.Create(CultureInfo.InvariantCulture, $"{d.Regions.Count} text regions: ") + string.Join("  ", d.Regions.Select(r =>
                        string.Create(CultureInfo.InvariantCulture, $"[{r.Bounds.X:0},{r.Bounds.Y:0} {r.Bounds.Width:0}x{r.Bounds.Height:0} {r.Score:0.00}]")));
                case RecognizedText t:
                    return string.Create(CultureInfo.InvariantCulture, $"{t.Text} ({t.Confidence:0.00})");
            }
        return null;
    }

    private static string[] ReadLabels(string file)
        => File.Exists(file) ? File.ReadAllLines(file).Select(l => l.Trim()).ToArray() : throw new CommandException($"--labels: '{file}' does not exist", Program.UsageError);

    private static Option<TensorizePlace> TensorizeOption()
    {
        var option = new Option<TensorizePlace>("--tensorize")
        {
            Description = "Where frames become the model's input with --device cuda/cuda-sim: auto (on the GPU when the model runs on CUDA), host, or device",
            DefaultValueFactory = _ => TensorizePlace.Auto,
            CustomParser = r => r.Tokens.Single().Value.ToLowerInvariant() switch
            {
                "auto" => TensorizePlace.Auto,
                "host" => TensorizePlace.Host,
                "device" => TensorizePlace.Device,
                var other => Fail(r, $"--tensorize takes auto, host or device, not '{other}'"),
            },
        };
        return option;

        static TensorizePlace Fail(ArgumentResult r, string message)
        {
            r.AddError(message);
            return default;
        }
    }

    private static (Option<int> Threads, Option<string> Provider) RuntimeOptions()
    {
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per model run (0 = one per core)", HelpName = "N" };
        var provider = new Option<string>("--provider") { Description = "auto (CUDA when ONNX Runtime has it and a GPU answers, else CPU), cpu or cuda", DefaultValueFactory = _ => "auto" };
        provider.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        return (threads, provider);
    }

    private static InferenceOptions Inference(ParseResult parse, Option<int> threads, Option<string> provider) => new()
    {
        IntraOpThreads = Math.Max(0, parse.GetValue(threads)),
        Provider = parse.GetValue(provider) switch { "cpu" => ExecutionProviderChoice.Cpu, "cuda" => ExecutionProviderChoice.Cuda, _ => ExecutionProviderChoice.Auto },
    };

    private static Option<(int Width, int Height)> SizeOption(string name, string description, string? @default)
    {
        var option = new Option<(int Width, int Height)>(name)
        {
            Description = @default is null ? description : $"{description} (default {@default})",
            HelpName = "WxH",
            CustomParser = result =>
            {
                var text = result.Tokens[0].Value;
                var parts = text.Split('x', 'X');
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                    && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) && w > 0 && h > 0)
                    return (w, h);
                result.AddError($"{name} '{text}' is not a size: give WIDTHxHEIGHT such as 640x384");
                return default;
            },
        };
        if (@default is not null)
        {
            var parts = @default.Split('x');
            var value = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            option.DefaultValueFactory = _ => value;
        }
        return option;
    }
}
