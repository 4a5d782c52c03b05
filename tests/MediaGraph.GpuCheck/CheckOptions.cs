namespace MediaGraph.GpuCheck;

/// <summary>The check's command line.</summary>
internal sealed record CheckOptions
{
    public const string Usage =
        "usage: MediaGraph.GpuCheck --device cuda|cuda-sim --input CLIP [--scale WxH] [--compare N] [--libs DIR] [--out DIR] [--dump]\n" +
        "                            [--ffmpeg CLI] [--rounds N] [--only all|check|bench]\n" +
        "  --device   cuda: NVDEC, kernels and NVENC on GPU 0; cuda-sim: the same graph on ILGPU's CPU accelerator\n" +
        "  --input    an H.264 clip (interlaced, so yadif has work)\n" +
        "  --scale    the scale node's output size (default 1280x720)\n" +
        "  --compare  how many frames to compare with the CPU path (default 100)\n" +
        "  --libs     fail unless FFmpeg's libraries are loaded from this folder (the bundle's, not the system's)\n" +
        "  --out      where the encoded output goes (default a temporary folder)\n" +
        "  --dump     also write the compared frames there as raw I420 (device.yuv, cpu.yuv) for a look with ffmpeg\n" +
        "  --ffmpeg   the ffmpeg CLI for the transcode side by side (the bundle's bin/ffmpeg); without it that part is skipped\n" +
        "  --rounds   rounds of each side in the benchmarks, alternating (default 3 on cuda, 1 on cuda-sim)\n" +
        "  --only     check: only the check's paths; bench: only the benchmarks; all (default): both";

    public required Device Device { get; init; }
    public required string Input { get; init; }
    public int Width { get; init; } = 1280;
    public int Height { get; init; } = 720;
    public int Compare { get; init; } = 100;
    public string? Libs { get; init; }
    public string? Out { get; init; }
    public bool Dump { get; init; }
    public string? Ffmpeg { get; init; }
    public int Rounds { get; init; } = 1;
    public bool RunCheck { get; init; } = true;
    public bool RunBench { get; init; } = true;

    public bool OnGpu => Device.Kind == DeviceKind.Cuda;

    public static CheckOptions Parse(string[] args)
    {
        Device? device = null;
        string? input = null, libs = null, output = null;
        var dump = false;
        string? ffmpeg = null, only = "all";
        var rounds = 0;
        int width = 1280, height = 720, compare = 100;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--device":
                    var d = Device.Parse(Value());
                    if (d.Kind is not (DeviceKind.Cuda or DeviceKind.CudaSim)) throw new ArgumentException($"--device {d}: the check runs on cuda or cuda-sim");
                    device = d;
                    break;
                case "--input": input = Value(); break;
                case "--scale":
                    var size = Value().Split('x');
                    if (size.Length != 2 || !int.TryParse(size[0], out width) || !int.TryParse(size[1], out height) || width < 2 || height < 2)
                        throw new ArgumentException("--scale takes WIDTHxHEIGHT, e.g. 1280x720");
                    break;
                case "--compare":
                    if (!int.TryParse(Value(), out compare) || compare < 1) throw new ArgumentException("--compare takes a frame count >= 1");
                    break;
                case "--libs": libs = Path.GetFullPath(Value()); break;
                case "--out": output = Value(); break;
                case "--dump": dump = true; break;
                case "--ffmpeg": ffmpeg = Value(); break;
                case "--rounds":
                    if (!int.TryParse(Value(), out rounds) || rounds < 1) throw new ArgumentException("--rounds takes a count >= 1");
                    break;
                case "--only":
                    only = Value();
                    if (only is not ("all" or "check" or "bench")) throw new ArgumentException("--only takes all, check or bench");
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (device is null) throw new ArgumentException("--device is required");
        if (input is null) throw new ArgumentException("--input is required");
        if (!File.Exists(input)) throw new ArgumentException($"--input {input}: no such file");
        return new CheckOptions
        {
            Device = device.Value, Input = input, Width = width, Height = height, Compare = compare, Libs = libs, Out = output, Dump = dump,
            Ffmpeg = ffmpeg, Rounds = rounds > 0 ? rounds : device.Value.Kind == DeviceKind.Cuda ? 3 : 1,
            RunCheck = only is "all" or "check", RunBench = only is "all" or "bench",
        };
    }
}
