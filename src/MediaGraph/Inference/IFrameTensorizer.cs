namespace MediaGraph;

/// <summary>
/// Writes frames of one format into images of a model's input tensor, as a <see cref="PreprocessSpec"/> says. One
/// implementation per place frames live: <see cref="CpuTensorizer"/> for host frames, a CUDA kernel for device
/// frames (the kernels layer); <see cref="FrameTensorizers.Create"/> picks it by <see cref="VideoFrame.Location"/>.
/// Made once per input format (size, pixel format, place), never per frame; not thread-safe (one per node input).
/// </summary>
public interface IFrameTensorizer : IDisposable
{
    /// <summary>Where the tensor memory this tensorizer writes lives (host for the CPU one).</summary>
    FrameLocation TensorLocation { get; }

    /// <summary>Writes <paramref name="frame"/> into <paramref name="image"/> (exactly <see cref="PreprocessSpec.ImageLength"/>
    /// floats, one batch slot) and returns where it landed. Allocates nothing in steady state.</summary>
    Letterbox Write(VideoFrame frame, Span<float> image);
}

/// <summary>Picks the <see cref="IFrameTensorizer"/> for where frames live.</summary>
public static class FrameTensorizers
{
    private static Func<PreprocessSpec, VideoFrame, string, IFrameTensorizer>? _cuda;

    /// <summary>Registers the tensorizer for CUDA frames (the kernels layer does, when it loads).</summary>
    public static void RegisterCuda(Func<PreprocessSpec, VideoFrame, string, IFrameTensorizer> factory)
        => _cuda = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>A tensorizer for frames like <paramref name="first"/> (same size, pixel format and place); throws a
    /// <see cref="MediaGraphException"/> naming <paramref name="node"/> when there is none for that place.</summary>
    public static IFrameTensorizer Create(PreprocessSpec spec, VideoFrame first, string node) => first.Location switch
    {
        FrameLocation.Host => new CpuTensorizer(spec, first, node),
        FrameLocation.Cuda when _cuda is { } cuda => cuda(spec, first, node),
        var place => throw new MediaGraphException(node, $"no tensorizer for frames in {place} memory in this build; download them to the host first"),
    };
}
