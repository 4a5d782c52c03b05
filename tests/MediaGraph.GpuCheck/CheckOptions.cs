namespace MediaGraph.GpuCheck;

/// <summary>The check's command line.</summary>
internal sealed record CheckOptions
{
    public const string Usage =
        "usage: MediaGraph.GpuCheck --device cuda|cuda-sim --input CLIP [--scale WxH] [--compare N] [--libs DIR] [--out DIR] [--dump]\n" +
        "  --device   cuda: NVDEC, kernels and NVENC on GPU 0; cuda-sim: the same graph on ILGPU's CPU accelerator\n" +
        "  --input    an H.264 clip (interlaced, so yadif has work)\n" +
        "  --scale    the scale node's output size (default 1280x720)\n" +
        "  --compare  how many frames to compare with the CPU path (default 100)\n" +
        "  --libs     fail unless FFmpeg's libraries are loaded from this folder (the bundle's, not the system's)\n" +
        "  --out      where the encoded output goes (default a temporary folder)\n" +
        "  --dump     also write the compared frames there as raw I420 (device.yuv, cpu.yuv) for a look with ffmpeg";

    public required Device Device { get; init; }
    public required string Input { get; init; }
    public int Width { get; init; } = 1280;
    public int Height { get; init; } = 720;
    public int Compare { get; init; } = 100;
    public string? Libs { get; init; }
    public string? Out { get; init; }
    public bool Dump { get; init; }

    public bool OnGpu => Device.Kind == DeviceKind.Cuda;

    public static CheckOptions Parse(string[] args)
    {
        Device? device = null;
        string? input = null, libs = null, output = null;
        var dump = false;
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
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (device is null) throw new ArgumentException("--device is required");
        if (input is null) throw new ArgumentException("--input is required");
        if (!File.Exists(input)) throw new ArgumentException($"--input {input}: no such file");
        return new CheckOptions { Device = device.Value, Input = input, Width = width, Height = height, Compare = compare, Libs = libs, Out = output, Dump = dump };
    }
}
