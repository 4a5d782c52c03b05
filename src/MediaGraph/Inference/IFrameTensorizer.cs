using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// Writes frames of one format into images of a model's input batch, as a <see cref="PreprocessSpec"/> says. One
/// implementation per place frames live: <see cref="CpuTensorizer"/> for host frames into a
/// <see cref="HostTensorBatch"/>; for CUDA frames <see cref="CudaTensorizer"/>, the tensorize kernel writing a
/// <see cref="DeviceTensorBatch"/> (built in; <see cref="FrameTensorizers.RegisterCuda"/> replaces it), so device
/// frames never visit the host. Made once per input
/// format (size, pixel format, place), never per frame; not thread-safe (one per node input).
/// </summary>
public interface IFrameTensorizer : IDisposable
{
    /// <summary>Writes <paramref name="frame"/> into image <paramref name="index"/> of <paramref name="batch"/> (a batch
    /// of the place this tensorizer writes: <see cref="FrameTensorizers.CreateBatch"/> for the frame's place) and
    /// returns where the frame landed. Allocates nothing in steady state.</summary>
    Letterbox Write(VideoFrame frame, TensorBatch batch, int index);
}

/// <summary>
/// The input tensor of one model run: <see cref="Capacity"/> images of a <see cref="PreprocessSpec"/> in one place
/// (host memory, or device memory for a device tensorizer). Reused from run to run; owns its memory.
/// </summary>
public abstract class TensorBatch : IDisposable
{
    protected TensorBatch(PreprocessSpec spec, int capacity)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Spec = spec;
        Capacity = capacity;
    }

    public PreprocessSpec Spec { get; }
    public int Capacity { get; }

    /// <summary>Where the tensor memory lives.</summary>
    public abstract FrameLocation Location { get; }

    /// <summary>The first <paramref name="count"/> images as the model's input, over the batch's own memory (no
    /// copy). The value stays owned by the batch. A batch written on a device needs <see cref="Complete"/> first.</summary>
    public abstract OrtValue Input(int count);

    /// <summary>Called after the last image of a run was written, on the thread that wrote it, before
    /// <see cref="Input"/>: when it returns the first <paramref name="count"/> images are complete where the model
    /// reads them (a device batch waits for its kernels, and downloads when the model reads host memory). Nothing
    /// to do for a host batch.</summary>
    public virtual void Complete(int count) { }

    /// <summary>The batch is about to be refilled.</summary>
    public virtual void Reset() { }

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>A batch in host memory: one float array, an ONNX Runtime value over each used length made once.</summary>
public sealed class HostTensorBatch(PreprocessSpec spec, int capacity) : TensorBatch(spec, capacity)
{
    private readonly float[] _data = new float[spec.ImageLength * capacity];
    private readonly OrtValue?[] _inputs = new OrtValue?[capacity + 1];

    /// <inheritdoc />
    public override FrameLocation Location => FrameLocation.Host;

    /// <summary>Image <paramref name="index"/>'s floats.</summary>
    public Span<float> Image(int index) => _data.AsSpan(index * Spec.ImageLength, Spec.ImageLength);

    /// <inheritdoc />
    public override OrtValue Input(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        return _inputs[count] ??= OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _data.AsMemory(0, count * Spec.ImageLength), Spec.Shape(count));
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var input in _inputs) input?.Dispose();
        Array.Clear(_inputs);
        base.Dispose();
    }
}

/// <summary>Picks the <see cref="IFrameTensorizer"/> and the <see cref="TensorBatch"/> for where frames live.</summary>
public static class FrameTensorizers
{
    // Built in: the tensorize kernel (this layer may name the kernels and devices; they may not name it).
    private static Func<PreprocessSpec, VideoFrame, string, IFrameTensorizer>? _cudaTensorizer = (spec, first, node) => new CudaTensorizer(spec, first, node);
    private static Func<PreprocessSpec, int, DeviceBatchOptions, TensorBatch>? _cudaBatch = (spec, capacity, options) => new DeviceTensorBatch(spec, capacity, options);

    /// <summary>True when device frames can be tensorized on the device: a CUDA tensorizer is registered (the
    /// built-in <see cref="CudaTensorizer"/> is) and ILGPU can compile kernels in this process (not Native AOT).
    /// The inference node takes device frames only then.</summary>
    public static bool HasCuda => _cudaTensorizer is not null && ComputeDevice.IsSupported;

    /// <summary>Replaces the CUDA implementation (built in: <see cref="CudaTensorizer"/> writing a
    /// <see cref="DeviceTensorBatch"/>): a tensorizer for CUDA frames and the device batch it writes.</summary>
    public static void RegisterCuda(Func<PreprocessSpec, VideoFrame, string, IFrameTensorizer> tensorizer, Func<PreprocessSpec, int, DeviceBatchOptions, TensorBatch> batch)
    {
        ArgumentNullException.ThrowIfNull(tensorizer);
        ArgumentNullException.ThrowIfNull(batch);
        _cudaBatch = batch;
        _cudaTensorizer = tensorizer;
    }

    /// <summary>A tensorizer for frames like <paramref name="first"/> (same size, pixel format and place); throws a
    /// <see cref="MediaGraphException"/> naming <paramref name="node"/> when there is none for that place.</summary>
    public static IFrameTensorizer Create(PreprocessSpec spec, VideoFrame first, string node) => first.Location switch
    {
        FrameLocation.Host => new CpuTensorizer(spec, first, node),
        FrameLocation.Cuda when _cudaTensorizer is { } cuda => cuda(spec, first, node),
        var place => throw NoTensorizer(place, node),
    };

    /// <summary>A batch of <paramref name="capacity"/> images in <paramref name="location"/> memory, for the
    /// tensorizers of frames that live there; a device batch needs <paramref name="device"/> (the node's stream and
    /// how the model reads it).</summary>
    public static TensorBatch CreateBatch(PreprocessSpec spec, FrameLocation location, int capacity, string node, DeviceBatchOptions? device = null) => location switch
    {
        FrameLocation.Host => new HostTensorBatch(spec, capacity),
        FrameLocation.Cuda when _cudaBatch is { } cuda => cuda(spec, capacity, device ?? throw new MediaGraphException(node, "a device batch needs the node's stream on the device (DeviceBatchOptions)")),
        var place => throw NoTensorizer(place, node),
    };

    private static MediaGraphException NoTensorizer(FrameLocation place, string node)
        => new(node, $"no tensorizer for frames in {place} memory in this build; download them to the host first");
}
