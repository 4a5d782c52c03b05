using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MediaGraph.Cli;

/// <summary>
/// <c>mediagraph transcode IN OUT</c>: decode, optionally deinterlace and scale, encode (or stream-copy) and mux,
/// like <c>ffmpeg -i IN [-vf yadif,scale=W:H] OUT</c>. Without --vcodec/--acodec the codecs are the ones the ffmpeg
/// CLI picks for OUT's format (mp4: libx264 + aac, webm: libvpx-vp9 + libopus, .wav: pcm_s16le, .png: png), and a
/// stream the format takes none of (video into .wav) is left out with a warning; an input without audio simply gives
/// an output without audio.
/// </summary>
internal static class TranscodeCommand
{
    /// <summary>A --scale value: width and height, -1 or -2 keeping the aspect ratio.</summary>
    internal readonly record struct Size(int Width, int Height);

    public static Command Create(CliContext cli)
    {
        var input = new Argument<string>("input") { Description = "Input file or URL" };
        var output = new Argument<string>("output") { Description = "Output file; the container comes from the extension or --format" };
        var scale = new Option<Size?>("--scale")
        {
            Description = "Scale the video to WxH (1280x720); -2 for one side keeps the aspect ratio (1280x-2)",
            HelpName = "WxH",
            CustomParser = ParseSize,
        };
        var scaleAlgorithm = new Option<string?>("--scale-algorithm") { Description = "Interpolation of --scale: bicubic (the default, as the ffmpeg CLI's), bilinear, area, lanczos, neighbor", HelpName = "name" };
        var deinterlace = new Option<bool>("--deinterlace") { Description = "Deinterlace the video (yadif unless --deinterlace-method says otherwise)" };
        var method = new Option<string?>("--deinterlace-method") { Description = "yadif or bwdif; implies --deinterlace", HelpName = "yadif|bwdif" };
        method.AcceptOnlyFromAmong("yadif", "bwdif");
        var vcodec = new Option<string?>("--vcodec") { Description = "Video encoder (libx264, libx265, mjpeg, h264_nvenc ...), or copy to pass the video through. Default: the output format's, as the ffmpeg CLI picks it (mp4, mkv: libx264; webm: libvpx-vp9; .png: png; .jpg: mjpeg)", HelpName = "codec|copy" };
        var preset = new Option<string?>("--preset") { Description = "Encoder preset (ultrafast ... veryslow)" };
        var crf = new Option<int?>("--crf") { Description = "Constant rate factor (x264/x265: 0-51, lower is better)", HelpName = "N" };
        var vbitrate = new Option<long?>("--vbitrate") { Description = "Video bit rate in bits/s; k and M suffixes (2500k, 4M)", HelpName = "rate", CustomParser = ParseBitrate };
        var acodec = new Option<string?>("--acodec") { Description = "Audio encoder (aac, libopus, flac ...), copy, or none to drop audio. Default: the output format's, as the ffmpeg CLI picks it (mp4: aac; mkv: libvorbis; webm: libopus; .wav: pcm_s16le)", HelpName = "codec|copy|none" };
        var format = new Option<string?>("--format") { Description = "Output container format (mp4, matroska, mpegts ...) when the extension does not say it", HelpName = "name" };
        var gop = new Option<int?>("--gop") { Description = "Keyframe interval in frames (segments and HLS cut at keyframes)", HelpName = "N" };
        var threads = new Option<int?>("--threads") { Description = "Decoder and encoder threads (0 = automatic)", HelpName = "N" };
        var vsync = new Option<string?>("--vsync")
        {
            Description = "How video frames are timed, as ffmpeg's -vsync: auto (default: constant rate for mp4/mov/image sequences, variable for mkv/webm/mpegts/avi), cfr (duplicate and drop to a constant rate), vfr (keep timestamps, drop colliding frames), passthrough (every frame, its own timestamp)",
            HelpName = "auto|cfr|vfr|passthrough",
        };
        vsync.AcceptOnlyFromAmong("auto", "cfr", "vfr", "passthrough");
        var rate = new Option<Rational?>("--rate", "-r")
        {
            Description = "Output frame rate, as ffmpeg's -r on an output (25, 30000/1001, 29.97, ntsc); default: the input's",
            HelpName = "fps",
            CustomParser = ParseRate,
        };
        var formatOptions = new Option<IReadOnlyDictionary<string, string>?>("--format-option")
        {
            Description = "A muxer option, repeatable: movflags=+faststart, segment_time=4 (with --format segment), hls_time=2",
            HelpName = "key=value",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
            CustomParser = ParseKeyValues,
        };

        var segmentTime = new Option<double?>("--segment-time")
        {
            Description = "Cut the output into chunks of about this many seconds, at keyframes: HLS segments for a .m3u8 output (hls_time), " +
                          "else the segment muxer (give a pattern such as out%03d.ts). One line per finished chunk goes to stdout: " +
                          "chunk INDEX START DURATION FRAMES PATH",
            HelpName = "seconds",
        };

        var trim = new Option<string?>("--trim") { Description = "Keep START seconds on for DURATION seconds (video trim, audio atrim; the output starts at 0)", HelpName = "start[,duration]" };
        var everyNth = new Option<int?>("--every-nth") { Description = "Keep one video frame in N, the first of each N (select='not(mod(n,N))')", HelpName = "N" };
        var setPts = new Option<string?>("--setpts") { Description = "Rewrite video timestamps with a setpts expression (PTS-STARTPTS, 0.5*PTS)", HelpName = "expr" };
        var overlay = new Option<string[]>("--overlay")
        {
            Description = "Draw an image (PNG with alpha) or clip over the video at X,Y (numbers or ffmpeg overlay expressions: main_w-overlay_w-10), optionally scaled to WxH, optionally only from START for DURATION seconds; repeatable",
            HelpName = "file@x,y[,WxH][,start,duration]",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("transcode", "Transcode a file: decode, optionally deinterlace and scale, encode and mux")
        {
            input, output, scale, scaleAlgorithm, deinterlace, method, vcodec, preset, crf, vbitrate, acodec, gop, format, formatOptions, threads, segmentTime, vsync, rate,
            trim, everyNth, setPts, overlay,
        };
        foreach (var option in cli.InputPolicyOptions) command.Options.Add(option);
        command.Options.Add(cli.TraceOption);
        foreach (var option in cli.LiveInputOptions) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = new Request(
                parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(scale), ParseAlgorithm(parse.GetValue(scaleAlgorithm)),
                parse.GetValue(deinterlace) || parse.GetValue(method) is not null,
                parse.GetValue(method) == "bwdif" ? DeinterlaceMethod.Bwdif : DeinterlaceMethod.Yadif,
                new EncodeOptions
                {
                    VideoCodec = parse.GetValue(vcodec),
                    AudioCodec = parse.GetValue(acodec),
                    Preset = parse.GetValue(preset),
                    Crf = parse.GetValue(crf),
                    VideoBitrate = parse.GetValue(vbitrate) ?? 0,
                    Gop = parse.GetValue(gop) ?? 0,
                    Format = parse.GetValue(format),
                    FormatOptions = parse.GetValue(formatOptions),
                    Threads = parse.GetValue(threads) ?? 0,
                    FrameRateMode = parse.GetValue(vsync) is { } mode ? Enum.Parse<FrameRateMode>(mode, ignoreCase: true) : FrameRateMode.Auto,
                    FrameRate = parse.GetValue(rate),
                },
                parse.GetValue(threads) ?? 0,
                cli.WithLiveInput(parse, cli.WithInputPolicy(parse, new DecodeOptions())),
                parse.GetValue(cli.StrictOption),
                new TranscodeSteps(parse.GetValue(trim), parse.GetValue(everyNth), parse.GetValue(setPts), parse.GetValue(overlay) ?? []));
            if (parse.GetValue(segmentTime) is { } seconds) request = request with { Encode = Segmented(request, seconds) };
            var progress = cli.CreateProgress();
            var graph = Build(new Graph(cli.CreateGraphOptions(parse, progress)), request, cli.Error, cli.Out);
            return await cli.RunGraphAsync(graph, progress, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record Request(string Input, string Output, Size? Scale, ScaleAlgorithm ScaleAlgorithm, bool Deinterlace, DeinterlaceMethod Method, EncodeOptions Encode, int DecodeThreads, DecodeOptions InputPolicy, bool Strict, TranscodeSteps Steps);

    /// <summary>--segment-time: hls_time for an HLS output, else the segment muxer with segment_time.</summary>
    private static EncodeOptions Segmented(Request r, double seconds)
    {
        if (!(seconds > 0))
            throw new CommandException($"--segment-time {seconds.ToString(CultureInfo.InvariantCulture)} is not a duration: give seconds > 0 (2, 0.5)", Program.UsageError);
        var hls = r.Encode.Format == "hls" || (r.Encode.Format is null && r.Output.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase));
        if (!hls && r.Encode.Format is not (null or "segment" or "stream_segment" or "ssegment"))
            throw new CommandException($"--segment-time cuts HLS or segment outputs, not --format {r.Encode.Format}", Program.UsageError);
        var options = new Dictionary<string, string>(r.Encode.FormatOptions ?? new Dictionary<string, string>())
        {
            [hls ? "hls_time" : "segment_time"] = seconds.ToString(CultureInfo.InvariantCulture),
        };
        return r.Encode with { Format = hls ? r.Encode.Format : r.Encode.Format ?? "segment", FormatOptions = options };
    }

    /// <summary>Segmented outputs (segment, hls): a line per finished chunk (its file is complete) on
    /// <paramref name="output"/>, for scripts that ship chunks: <c>chunk INDEX START DURATION FRAMES PATH</c>.</summary>
    internal static void PrintChunks(MuxNode mux, TextWriter output)
    {
        mux.ChunkCompleted += c =>
        {
            lock (output)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"chunk {c.Index} {c.Start.TotalSeconds:0.000} {c.Duration.TotalSeconds:0.000} {c.Frames} {c.Path}"));
        };
    }

    private static Graph Build(Graph graph, Request r, TextWriter error, TextWriter output)
    {
        var copyVideo = r.Encode.VideoCodec == "copy";
        if (copyVideo && (r.Scale is not null || r.Deinterlace || r.Steps.Any))
            throw new CommandException("--vcodec copy passes the input's compressed video through without decoding it, so it cannot be scaled, deinterlaced, trimmed or overlaid; drop those options, or pick an encoder (--vcodec libx264)", Program.UsageError);
        if (copyVideo)
            foreach (var (given, name) in new[] { (r.Encode.Preset is not null, "--preset"), (r.Encode.Crf is not null, "--crf"), (r.Encode.VideoBitrate > 0, "--vbitrate") })
                if (given) error.WriteLine($"mediagraph: warning: {name} has no effect with --vcodec copy");
        if (!r.Input.Contains("://") && !r.Output.Contains("://") && Path.GetFullPath(r.Input) == Path.GetFullPath(r.Output))
            throw new CommandException($"the output '{r.Output}' is the input: writing it would destroy the input; choose another output path", Program.UsageError);

        var input = graph.Decode(r.Input, r.InputPolicy with { Threads = r.DecodeThreads });
        // A stream damage made unusable (0 Hz audio, a video codec no decoder knows) is left out; the rest is written.
        if (r.Strict && input.UnusableStreams is [var first, ..])
            throw new CommandException($"'{r.Input}' stream #{first.Index} cannot be decoded: {first.Problem} (--xerror)");
        foreach (var s in input.UnusableStreams)
            error.WriteLine($"mediagraph: warning: '{r.Input}' stream #{s.Index} ({s.Kind.ToString().ToLowerInvariant()} {(s.Codec.Length > 0 ? s.Codec : "of an unknown codec")}) is left out: {s.Problem}");
        VideoStream? video = null;
        if (input.HasVideo)
        {
            video = input.Video;
            if (r.Deinterlace) video = video.Deinterlace(new DeinterlaceOptions { Method = r.Method });
            if (r.Scale is { } size) video = video.Scale(size.Width, size.Height, r.ScaleAlgorithm);
            video = r.Steps.Apply(graph, video);
        }
        else if (r.Scale is not null || r.Deinterlace)
            error.WriteLine($"mediagraph: warning: '{r.Input}' has no video stream that can be decoded; {(r.Scale is not null ? "--scale" : "--deinterlace")} has nothing to apply to");

        var audio = input.HasAudio && r.Encode.AudioCodec != "none" ? input.Audio : null;
        if (audio is not null && r.Steps.Trim is not null)
            audio = r.Encode.AudioCodec == "copy"
                ? throw new CommandException("--trim cuts decoded audio: it cannot be used with --acodec copy; pick an encoder or --acodec none", Program.UsageError)
                : r.Steps.Apply(audio);
        if (video is null && audio is null)
            throw new CommandException(input.HasAudio
                ? $"nothing to write: '{r.Input}' has no video stream and --acodec none drops its audio"
                : $"nothing to write: '{r.Input}' has no video or audio stream");
        try
        {
            PrintChunks(graph.Encode(r.Output, video, audio, r.Encode), output);
        }
        catch (ArgumentException e)
        {
            throw new CommandException(e.Message); // nothing left for the output's format (video only into .wav)
        }
        return graph;
    }

    private static Rational? ParseRate(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        try
        {
            return Rational.ParseFrameRate(text); // as ffmpeg's -r: 29.97 is 2997/100, ntsc 30000/1001
        }
        catch (FormatException)
        {
            result.AddError($"--rate '{text}' is not a frame rate: give frames per second (25, 29.97), a fraction (30000/1001) or a name (ntsc, pal, film)");
            return null;
        }
    }

    private static ScaleAlgorithm ParseAlgorithm(string? name) => name switch
    {
        null or "bicubic" => ScaleAlgorithm.Bicubic,
        "bilinear" => ScaleAlgorithm.Bilinear,
        "area" => ScaleAlgorithm.Area,
        "lanczos" => ScaleAlgorithm.Lanczos,
        "neighbor" => ScaleAlgorithm.Neighbor,
        "fast_bilinear" => ScaleAlgorithm.FastBilinear,
        _ => throw new CommandException($"--scale-algorithm: unknown '{name}' (bicubic, bilinear, area, lanczos, neighbor, fast_bilinear)", Program.UsageError),
    };

    private static Size? ParseSize(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        var parts = text.Split('x', 'X', ':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var h)
            && Valid(w) && Valid(h) && !(w < 0 && h < 0))
            return new Size(w, h);
        result.AddError($"--scale '{text}' is not a size: give WIDTHxHEIGHT such as 1280x720; -2 for one side keeps the aspect ratio (1280x-2)");
        return null;

        static bool Valid(int v) => v > 0 || v is -1 or -2;
    }

    private static long? ParseBitrate(ArgumentResult result)
    {
        var text = result.Tokens[0].Value.Trim();
        var multiplier = char.ToLowerInvariant(text.Length > 0 ? text[^1] : ' ') switch { 'k' => 1_000L, 'm' => 1_000_000L, 'g' => 1_000_000_000L, _ => 1L };
        var number = multiplier == 1 ? text : text[..^1];
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0)
            return (long)Math.Round(value * multiplier);
        result.AddError($"--vbitrate '{text}' is not a bit rate: give bits per second, with k or M for thousands or millions (2500k, 4M)");
        return null;
    }

    private static IReadOnlyDictionary<string, string>? ParseKeyValues(ArgumentResult result)
    {
        var options = new Dictionary<string, string>();
        foreach (var token in result.Tokens)
        {
            var eq = token.Value.IndexOf('=');
            if (eq <= 0)
            {
                result.AddError($"--format-option '{token.Value}' is not key=value (movflags=+faststart)");
                return null;
            }
            options[token.Value[..eq]] = token.Value[(eq + 1)..];
        }
        return options;
    }
}
