using System.Diagnostics;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using MediaGraph.Kernels;

namespace MediaGraph.GpuCheck;

/// <summary>
/// The check: three runs of the MediaGraph library over one clip, then the verdict.
/// <list type="number">
/// <item>the device path: decode (NVDEC, or software + upload on cuda-sim) → yadif → scale → tensorize → download;</item>
/// <item>the CPU path: the same graph on <see cref="Device.Cpu"/> with software decode (the reference);</item>
/// <item>the encode path: decode → yadif → scale → h264_nvenc on the device (NVENC from device frames where the GPU
/// has it; else the library's counted download + libx264, said once).</item>
/// </list>
/// Claims checked (exit code 1 when one fails): both paths deliver the same number of frames; each plane of the
/// compared frames is within <see cref="MinPsnr"/> of the CPU path, and so is the last tensor; no node but an
/// upload or a download moves a byte between host and device; with NVDEC (--device cuda) not one byte goes host →
/// device at all (zero copies from decode to the last GPU node); on cuda-sim the software decode is said once; FFmpeg
/// is loaded from --libs when given.
/// </summary>
internal sealed class GpuCheck(CheckOptions options)
{
    /// <summary>The pixels of the device path against the CPU path: the kernels follow libavfilter's yadif and
    /// swscale's geometry (the kernel tests hold each to 45 dB against the ffmpeg CLI).</summary>
    private const double MinPsnr = 45;

    private readonly CheckLog _log = new();
    private string? _outputFolder;

    /// <summary>--out, or a temporary folder made on first use.</summary>
    private string OutputFolder => _outputFolder ??= Directory.CreateDirectory(options.Out ?? Directory.CreateTempSubdirectory("gpu-check-").FullName).FullName;
    private readonly List<string> _failures = [];

    public async Task<int> RunAsync()
    {
        Console.WriteLine($"gpu-check: {options.Input} on {options.Device}, scale {options.Width}x{options.Height}");
        Console.WriteLine("gpu-check: ONNX Runtime CUDA: not in the bundle (its CUDA provider is 284 MB, over the 64 MiB carry); " +
            "tensorize runs as a kernel into a device tensor, which is what the provider would read");
        // The decode benchmark first: on a GPU its bare loop lets FFmpeg open the primary context
        // (AV_CUDA_USE_PRIMARY_CONTEXT), which FFmpeg refuses once something else holds it with other flags.
        if (options.RunBench) await GuardAsync("decode benchmark", new DecodeBenchmark(options, _failures, _summary).RunAsync);
        if (options.RunCheck) await GuardAsync("check", RunCheckAsync);
        if (options.RunBench) await GuardAsync("transcode side by side", new TranscodeSideBySide(options, _failures, _summary).RunAsync);

        Console.WriteLine();
        Console.WriteLine($"==== gpu-check summary: {options.Device}{(options.OnGpu ? "" : " (no GPU: CPU smoke)")}, {Path.GetFileName(options.Input)} -> {options.Width}x{options.Height} ====");
        foreach (var line in _summary) Console.WriteLine($"- {line}");
        if (_failures.Count == 0)
        {
            Console.WriteLine($"gpu-check: ok ({options.Device})");
            return 0;
        }
        foreach (var f in _failures) Console.WriteLine($"gpu-check: FAILED: {f}");
        return 1;
    }

    /// <summary>The check proper: the device path, the CPU path, their comparison, the transfers and the encode run.</summary>
    private async Task RunCheckAsync()
    {
        if (!options.OnGpu) CompilePtx();

        var device = await RunPathAsync(options.Device, options.OnGpu ? HwAccel.Cuda : HwAccel.Auto);
        CheckLibraries();
        _summary.Insert(0, $"device path {device.Device} (decode -> yadif -> scale -> tensorize -> download): {StageLine(device.Metrics)}");
        var cpu = await RunPathAsync(Device.Cpu, HwAccel.None);
        _summary.Insert(1, $"cpu path (the reference): {StageLine(cpu.Metrics)}");
        Compare(device, cpu);
        CheckTransfers(device);
        await RunEncodeAsync();
    }

    /// <summary>Runs a benchmark; one that throws is a failure of the check, and the rest of the check still runs
    /// (a lent GPU gives one call: a fault in one part must not cost the others' numbers).</summary>
    private async Task GuardAsync(string what, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"gpu-check: {what} failed: {e.GetType().Name}: {e.Message}");
            _failures.Add($"{what}: {e.Message}");
            _summary.Add($"{what}: FAILED ({e.Message})");
        }
    }

    /// <summary>The summary's lines (fps per stage, ratios, transfer counters), printed last, compact to paste.</summary>
    private readonly List<string> _summary = [];

    /// <summary>The run's rate, each node's stage fps and the host↔device bytes, on one line.</summary>
    private static string StageLine(GraphMetrics metrics)
    {
        var stages = metrics.Nodes.Select(n =>
        {
            var frames = n.Roles.HasFlag(NodeRoles.Output) ? n.FramesIn : n.FramesOut;
            var busy = n.BusyTime.TotalSeconds;
            return $"{n.Node} {(busy > 0 ? (frames / busy).ToString("0.0") : "-")}";
        });
        return $"run {metrics.Frames} frames at {metrics.Fps:0.0} fps; stage fps: {string.Join(", ", stages)}; " +
            $"host->device {metrics.Nodes.Sum(n => n.BytesUploaded)} B, device->host {metrics.Nodes.Sum(n => n.BytesDownloaded)} B " +
            $"(by node: {string.Join(", ", metrics.Nodes.Where(n => n.BytesUploaded + n.BytesDownloaded > 0).Select(n => $"{n.Node} {n.BytesUploaded}/{n.BytesDownloaded}"))})";
    }

    private sealed record PathResult(Device Device, GraphMetrics Metrics, FrameStore Frames, float[]? Tensor, IReadOnlyList<string> Log);

    /// <summary>decode → yadif → scale → tensorize → download → the app, on <paramref name="device"/>.</summary>
    private async Task<PathResult> RunPathAsync(Device device, HwAccel hwAccel)
    {
        Console.WriteLine($"gpu-check: path {device} (hwaccel {hwAccel.ToString().ToLowerInvariant()}): decode -> yadif -> scale -> tensorize -> download");
        _log.Clear();
        using var tensorize = new Tensorize(options.Width, options.Height);
        var graph = new Graph(new GraphOptions { Device = device, LoggerFactory = _log });
        var video = graph.Decode(options.Input, new DecodeOptions { HwAccel = hwAccel }).Video
            .Deinterlace()
            .Scale(options.Width, options.Height)
            .Kernel(tensorize.Node)
            .Download();
        var sink = graph.Sink(video);
        var frames = new FrameStore(options.Compare);
        var run = graph.RunAsync();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(frame);
        var metrics = await run;
        PrintStages(metrics);
        return new PathResult(device, metrics, frames, tensorize.Kept, [.. _log.Lines]);
    }

    /// <summary>decode → yadif → scale → h264_nvenc into an mp4, on the check's device.</summary>
    private async Task RunEncodeAsync()
    {
        var output = Path.Combine(OutputFolder, "encoded.mp4");
        Console.WriteLine($"gpu-check: encode on {options.Device}: decode -> yadif -> scale -> h264_nvenc -> {output}");
        _log.Clear();
        var graph = new Graph(new GraphOptions { Device = options.Device, LoggerFactory = _log });
        var video = graph.Decode(options.Input, new DecodeOptions { HwAccel = options.OnGpu ? HwAccel.Cuda : HwAccel.Auto }).Video
            .Deinterlace()
            .Scale(options.Width, options.Height);
        graph.Encode(output, video, null, new EncodeOptions { VideoCodec = "h264_nvenc" });
        var metrics = await graph.RunAsync();
        PrintStages(metrics);
        var fallback = _log.Lines.Where(l => l.Contains("nvenc", StringComparison.OrdinalIgnoreCase) && l.Contains("libx264", StringComparison.Ordinal)).ToList();
        var downloaded = metrics.Nodes.Sum(n => n.BytesDownloaded);
        if (fallback.Count == 0)
        {
            Console.WriteLine($"gpu-check: NVENC present: h264_nvenc encoded from device frames, device->host {downloaded} bytes");
            _summary.Add($"encode run: NVENC present, from device frames, device->host {downloaded} B; {StageLine(metrics)}");
            if (downloaded != 0) _failures.Add($"NVENC encoded, yet {downloaded} bytes went device -> host in the encode run");
        }
        else
        {
            Console.WriteLine($"gpu-check: NVENC absent: the counted download path (download + libx264), device->host {downloaded} bytes; said {fallback.Count} time(s)");
            _summary.Add($"encode run: NVENC absent, counted download + libx264, device->host {downloaded} B; {StageLine(metrics)}");
            if (fallback.Count != 1) _failures.Add($"the NVENC fallback was logged {fallback.Count} times, not once");
            if (downloaded == 0) _failures.Add("the NVENC fallback encoded device frames without a counted download");
        }
        var written = new FileInfo(output);
        if (!written.Exists || written.Length == 0) _failures.Add($"the encode run wrote nothing to {output}");
        else Console.WriteLine($"gpu-check: encoded {written.Length} bytes");
    }

    /// <summary>Each node's frames, its own rate (frames over its busy time: what the stage alone sustains) and its
    /// host↔device bytes; then the whole run's rate.</summary>
    private static void PrintStages(GraphMetrics metrics)
    {
        Console.WriteLine($"  {"node",-22} {"kind",-14} {"frames",7} {"busy s",8} {"stage fps",10} {"host->device B",15} {"device->host B",15}");
        foreach (var n in metrics.Nodes)
        {
            var frames = n.Roles.HasFlag(NodeRoles.Output) ? n.FramesIn : n.FramesOut;
            var busy = n.BusyTime.TotalSeconds;
            var fps = busy > 0 ? (frames / busy).ToString("0.0") : "-";
            Console.WriteLine($"  {n.Node,-22} {n.Kind,-14} {frames,7} {busy,8:0.000} {fps,10} {n.BytesUploaded,15} {n.BytesDownloaded,15}");
        }
        Console.WriteLine($"  run: {metrics.Frames} frames in {metrics.Elapsed.TotalSeconds:0.000} s = {metrics.Fps:0.0} fps");
    }

    /// <summary>Frame counts, pixels per plane and the last tensor of the device path against the CPU path.</summary>
    private void Compare(PathResult device, PathResult cpu)
    {
        if (device.Frames.Count != cpu.Frames.Count)
            _failures.Add($"{device.Device} delivered {device.Frames.Count} frames, the CPU path {cpu.Frames.Count}");
        if (device.Frames.Count == 0)
        {
            _failures.Add("the device path delivered no frames");
            return;
        }
        var n = Math.Min(device.Frames.Frames.Count, cpu.Frames.Frames.Count);
        if (options.Dump)
        {
            foreach (var (name, store) in new[] { ("device", device.Frames), ("cpu", cpu.Frames) })
                File.WriteAllBytes(Path.Combine(OutputFolder, $"{name}.yuv"), store.Frames.SelectMany(f => f.SelectMany(p => p)).ToArray());
            Console.WriteLine($"gpu-check: wrote the compared frames to {OutputFolder}/device.yuv and cpu.yuv ({device.Frames.Width}x{device.Frames.Height} yuv420p)");
        }
        if (device.Frames.Width != cpu.Frames.Width || device.Frames.Height != cpu.Frames.Height)
        {
            _failures.Add($"{device.Device} made {device.Frames.Width}x{device.Frames.Height}, the CPU path {cpu.Frames.Width}x{cpu.Frames.Height}");
            return;
        }
        string[] names = ["Y", "U", "V"];
        var line = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            double min = double.PositiveInfinity, sum = 0;
            var worst = 0;
            for (var i = 0; i < n; i++)
            {
                var psnr = FrameStore.Psnr(device.Frames.Frames[i][p], cpu.Frames.Frames[i][p]);
                if (psnr < min) (min, worst) = (psnr, i);
                sum += double.IsInfinity(psnr) ? 100 : psnr;
            }
            line.Add($"{names[p]} min {Db(min)} (frame {worst}) mean {Db(sum / n)}");
            if (min < MinPsnr) _failures.Add($"plane {names[p]} of frame {worst}: {Db(min)} against the CPU path, want >= {MinPsnr} dB");
        }
        Console.WriteLine($"gpu-check: pixels {device.Device} ({device.Frames.Format}) vs cpu ({cpu.Frames.Format}), {n} of {device.Frames.Count} frames: {string.Join("; ", line)}");
        _summary.Add($"pixels vs cpu path, {n} frames: {string.Join("; ", line)}");

        if (device.Tensor is null || cpu.Tensor is null)
        {
            _failures.Add($"no tensor to compare (tensorize saw fewer than {Tensorize.KeptFrame + 1} frames)");
            return;
        }
        var tensor = FrameStore.Psnr(device.Tensor, cpu.Tensor);
        Console.WriteLine($"gpu-check: tensor of frame {Tensorize.KeptFrame} ({options.Width}x{options.Height}x3 f32) {device.Device} vs cpu: {Db(tensor)}");
        _summary.Add($"tensor of frame {Tensorize.KeptFrame} vs cpu: {Db(tensor)}");
        if (tensor < MinPsnr) _failures.Add($"the tensor differs from the CPU tensorizer's: {Db(tensor)}, want >= {MinPsnr} dB");
    }

    private static string Db(double psnr) => double.IsPositiveInfinity(psnr) ? "inf dB (identical)" : $"{psnr:0.00} dB";

    /// <summary>Where frames lived: only uploads and downloads move bytes; with NVDEC nothing goes host → device.</summary>
    private void CheckTransfers(PathResult device)
    {
        var nodes = device.Metrics.Nodes;
        foreach (var n in nodes.Where(n => n.Kind is not ("upload" or "download") && (n.BytesUploaded != 0 || n.BytesDownloaded != 0)))
            _failures.Add($"{n.Node} ({n.Kind}) moved host->device {n.BytesUploaded} / device->host {n.BytesDownloaded} bytes; only upload and download nodes may");
        var up = nodes.Sum(n => n.BytesUploaded);
        var down = nodes.Sum(n => n.BytesDownloaded);
        // A download copies whole device rows (their pitch), so at least the frames' samples.
        var samples = (long)device.Frames.Count * options.Width * options.Height * 3 / 2;
        Console.WriteLine($"gpu-check: transfers on {device.Device}: host->device {up} bytes, device->host {down} bytes " +
            $"({device.Frames.Count} frames of {options.Width}x{options.Height} 4:2:0: {samples} bytes of samples, with the device pitch more)");
        var nvdec = device.Log.Count(l => l.Contains("with NVDEC", StringComparison.Ordinal));
        var software = device.Log.Count(l => l.Contains("in software", StringComparison.Ordinal));
        if (options.OnGpu)
        {
            if (nvdec == 0) _failures.Add("the decoder did not use NVDEC (see its log line above)");
            if (up != 0) _failures.Add($"{up} bytes went host -> device between decode and the last GPU node; NVDEC frames should be adopted in place (0)");
            else Console.WriteLine("gpu-check: 0 bytes host->device from NVDEC decode to the last GPU node (tensorize)");
            _summary.Add($"transfers, device path: host->device {up} B between NVDEC decode and the last GPU node (claim: 0), device->host {down} B (the download)");
        }
        else
        {
            Console.WriteLine($"gpu-check: cuda-sim decodes in software (said {software} time(s)); the upload after decode is the only host->device copy");
            if (software != 1) _failures.Add($"hwaccel auto on cuda-sim said it decodes in software {software} times, not once");
            var uploads = nodes.Where(n => n.Kind == "upload").Sum(n => n.BytesUploaded);
            if (uploads == 0) _failures.Add("cuda-sim: no bytes went through an upload node, yet the frames were decoded on the host");
        }
        if (down < samples)
            _failures.Add($"the download moved {down} bytes, fewer than the {samples} of {device.Frames.Count} scaled frames' samples");
    }

    /// <summary>FFmpeg's libraries as this process loaded them; with --libs, they must come from that folder.</summary>
    private void CheckLibraries()
    {
        var loaded = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .Where(p => p.Contains("/libav", StringComparison.Ordinal) || p.Contains("/libsw", StringComparison.Ordinal) || p.Contains("libmediagraph_native", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        foreach (var path in loaded) Console.WriteLine($"gpu-check: loaded {path}");
        if (options.Libs is { } libs)
        {
            var foreign = loaded.Where(p => p.Contains("/libav", StringComparison.Ordinal) && !p.StartsWith(libs + "/", StringComparison.Ordinal)).ToList();
            if (loaded.Count == 0 || foreign.Count > 0)
                _failures.Add($"FFmpeg is not the bundle's (--libs {libs}): {(foreign.Count > 0 ? string.Join(", ", foreign) : "none loaded")}");
        }
    }

    /// <summary>On cuda-sim: the check's kernels (yadif, bicubic scale, tensorize) through ILGPU's PTX backend for
    /// sm_90 inside this (trimmed) program, so a trimming or codegen fault shows here and not on the GPU.</summary>
    private static void CompilePtx()
    {
        var watch = Stopwatch.StartNew();
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, nvvmAPI: null!);
        var sizes = new List<string>();
        foreach (var (name, method) in KernelCatalog.All.Where(k => k.Name is "yadif" or "scale_bicubic" or "tensorize"))
        {
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(method), new KernelSpecialization());
            if (!compiled.PTXAssembly.Contains(".entry", StringComparison.Ordinal)) throw new MediaGraphException("gpu-check", $"ILGPU made no PTX entry for {name}");
            sizes.Add($"{name} {compiled.PTXAssembly.Length} chars");
        }
        Console.WriteLine($"gpu-check: PTX for sm_90 in this build: {string.Join(", ", sizes)} ({watch.Elapsed.TotalSeconds:0.0} s)");
    }
}
