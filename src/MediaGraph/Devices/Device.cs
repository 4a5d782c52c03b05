namespace MediaGraph;

/// <summary>What kind of place a <see cref="Device"/> names.</summary>
public enum DeviceKind
{
    /// <summary>A CUDA GPU when one is present, else the CPU (said in one log line).</summary>
    Auto,
    /// <summary>The CPU: FFmpeg (swscale, libavfilter) and vectorised C#.</summary>
    Cpu,
    /// <summary>A CUDA GPU: ILGPU kernels over device frames.</summary>
    Cuda,
    /// <summary>The CUDA implementations run on ILGPU's CPU accelerator, a simulator: slow (about a second for one
    /// 720p scale), for checking the GPU code on small inputs without a GPU. Never the CPU path.</summary>
    CudaSim,
}

/// <summary>
/// Where a graph's (or a node's) video processing runs: <see cref="Auto"/>, <see cref="Cpu"/>, <see cref="Cuda"/>(index)
/// or <see cref="CudaSim"/>. A value only names the place; a run opens it (<see cref="ComputeDevice"/>) and closes it
/// when the run ends. Text form (CLI <c>--device</c>, JSON): <c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>,
/// <c>cuda-sim</c>.
/// </summary>
public readonly record struct Device
{
    private Device(DeviceKind kind, int index)
    {
        Kind = kind;
        Index = index;
    }

    /// <summary>The kind of place.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The CUDA device's ordinal (0 for the first GPU); 0 for the other kinds.</summary>
    public int Index { get; }

    /// <summary>CUDA when present, else the CPU. The default.</summary>
    public static Device Auto => new(DeviceKind.Auto, 0);
    /// <summary>The CPU.</summary>
    public static Device Cpu => new(DeviceKind.Cpu, 0);
    /// <summary>ILGPU's CPU accelerator running the CUDA implementations: for checking, slow.</summary>
    public static Device CudaSim => new(DeviceKind.CudaSim, 0);

    /// <summary>CUDA GPU number <paramref name="index"/>; a run fails fast, naming the cause, when there is none.</summary>
    public static Device Cuda(int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new(DeviceKind.Cuda, index);
    }

    /// <summary>Reads the text form: auto, cpu, cuda, cuda:N, cuda-sim.</summary>
    public static Device Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "auto": return Auto;
            case "cpu": return Cpu;
            case "cuda": return Cuda(0);
            case "cuda-sim": return CudaSim;
        }
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out var index) && index >= 0) return Cuda(index);
        throw new FormatException($"unknown device '{text}': use auto, cpu, cuda, cuda:N (the GPU's number) or cuda-sim");
    }

    /// <summary>The text form (<see cref="Parse"/> reads it back).</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        DeviceKind.CudaSim => "cuda-sim",
        _ => Index == 0 ? "cuda" : $"cuda:{Index}",
    };
}
