using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MediaGraph;

/// <summary>How the model reads a <see cref="DeviceTensorBatch"/>.</summary>
public enum DeviceTensorInput
{
    /// <summary>Straight from device memory: an ONNX Runtime value over the batch's CUDA buffer, for a session on the
    /// CUDA execution provider of the same GPU. No host copy.</summary>
    Device,
    /// <summary>The finished tensor is copied to host memory (counted as a download) and the model reads that: for a
    /// session on the CPU execution provider, or a device ONNX Runtime cannot read (cuda-sim, another GPU).</summary>
    Download,
}

/// <summary>What a device batch needs from the node that fills it: the stream its images are written on (the
/// node's own), how the model reads it, and where a download is counted.</summary>
/// <param name="Stream">The node's stream on the device (<c>NodeContext.StreamOn</c>).</param>
/// <param name="Input">How the model reads the tensor (<see cref="DeviceTensorBatch.ChooseInput"/>).</param>
/// <param name="CountDownload">Called with the bytes of each tensor download (the node's metrics).</param>
public sealed record DeviceBatchOptions(DeviceStream Stream, DeviceTensorInput Input, Action<long>? CountDownload = null);

/// <summary>
/// The input tensor of one model run in device memory: <see cref="TensorBatch.Capacity"/> images written by
/// <see cref="CudaTensorizer"/> on the node's stream, one ILGPU buffer made once and reused from run to run.
/// <para>
/// Ordering (unverified on hardware): ONNX Runtime's CUDA execution provider runs on a stream of its own in the
/// device's primary context (it calls cudaSetDevice at every run), the context MediaGraph's device uses too, so the
/// pointer is valid there. Its session is made once per model and shared by nodes and graphs, before any run opens a
/// device, so it cannot be handed the node's stream (<c>user_compute_stream</c>), and ONNX Runtime's API has no
/// "wait for this event" on its stream. So <see cref="Complete"/> makes the host wait for the node's stream (the
/// tensorize kernels of the batch, nothing else: a short wait, counted in <see cref="ComputeDevice.HostWaits"/>)
/// before the run reads the tensor, and the run itself returns only after ONNX Runtime synchronised its stream (its
/// default), so the buffer is not rewritten while a run still reads it.
/// </para>
/// </summary>
public sealed class DeviceTensorBatch : TensorBatch
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _buffer;
    private readonly float[] _host = [];
    private readonly OrtValue?[] _inputs;
    private readonly Action<long>? _countDownload;
    private OrtMemoryInfo? _cudaMemory;
    private int _complete;

    /// <summary>A batch of <paramref name="capacity"/> images on the device of <paramref name="options"/>' stream.</summary>
    public DeviceTensorBatch(PreprocessSpec spec, int capacity, DeviceBatchOptions options) : base(spec, capacity)
    {
        ArgumentNullException.ThrowIfNull(options);
        Stream = options.Stream;
        ModelReads = options.Input;
        _countDownload = options.CountDownload;
        _buffer = Device.Accelerator.Allocate1D<float>((long)spec.ImageLength * capacity);
        if (ModelReads == DeviceTensorInput.Download)
            _host = GC.AllocateUninitializedArray<float>(spec.ImageLength * capacity, pinned: true); // the copy is queued: it must not move
        _inputs = new OrtValue?[capacity + 1];
    }

    /// <summary>The device the tensor lives on.</summary>
    public ComputeDevice Device => Stream.Device;

    /// <summary>The stream the images are written on.</summary>
    public DeviceStream Stream { get; }

    /// <summary>How the model reads the tensor.</summary>
    public DeviceTensorInput ModelReads { get; }

    /// <summary>The whole tensor on the device (image i at i × <see cref="PreprocessSpec.ImageLength"/>).</summary>
    public ArrayView<float> View => _buffer.View;

    /// <summary>Bytes copied to the host so far (Download only).</summary>
    public long BytesDownloaded { get; private set; }

    /// <inheritdoc />
    public override FrameLocation Location => FrameLocation.Cuda;

    /// <summary>The CUDA device memory ONNX Runtime is told the tensor is in: the "Cuda" allocator's device memory on
    /// the batch's GPU (<see cref="Device"/>'s index).</summary>
    public OrtMemoryInfo CudaMemoryInfo => _cudaMemory ??= new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, Device.Device.Index, OrtMemType.Default);

    /// <summary>How a session on <paramref name="provider"/> ("CPU", "CUDA") for CUDA device
    /// <paramref name="modelDeviceId"/> reads a tensor made on <paramref name="device"/>, and why.</summary>
    public static DeviceTensorInput ChooseInput(Device device, string? provider, int modelDeviceId, out string why)
    {
        if (provider != "CUDA")
        {
            why = $"the model runs on the {provider ?? "?"} execution provider: the finished tensor is downloaded to host memory";
            return DeviceTensorInput.Download;
        }
        if (device.Kind != DeviceKind.Cuda)
        {
            why = $"the frames are on {device}, whose memory ONNX Runtime's CUDA execution provider cannot read: the finished tensor is downloaded";
            return DeviceTensorInput.Download;
        }
        if (device.Index != modelDeviceId)
        {
            why = $"the model's CUDA execution provider is on GPU {modelDeviceId}, the frames on GPU {device.Index}: the finished tensor is downloaded (set InferenceOptions.DeviceId to {device.Index})";
            return DeviceTensorInput.Download;
        }
        why = $"the model runs on the CUDA execution provider of GPU {device.Index}: it reads the tensor in device memory, no host copy";
        return DeviceTensorInput.Device;
    }

    /// <summary>Makes the first <paramref name="count"/> images readable by the model: the host waits for the
    /// batch's stream (the tensorize kernels have run), and with <see cref="DeviceTensorInput.Download"/> copies them
    /// to host memory (counted). Call it on the thread that wrote the images, after the last write.</summary>
    public override void Complete(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        var length = count * Spec.ImageLength;
        if (ModelReads == DeviceTensorInput.Download)
        {
            _buffer.View.SubView(0, length).CopyToCPU(Stream.Stream, ref _host[0], length);
            Stream.Synchronize();
            var bytes = (long)length * sizeof(float);
            BytesDownloaded += bytes;
            _countDownload?.Invoke(bytes);
        }
        else
        {
            Stream.Synchronize();
        }
        _complete = count;
    }

    /// <inheritdoc />
    public override OrtValue Input(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        if (_complete != count) throw new InvalidOperationException($"the device batch holds {_complete} finished images, not {count}: call Complete({count}) after writing them");
        return _inputs[count] ??= ModelReads == DeviceTensorInput.Download
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _host.AsMemory(0, count * Spec.ImageLength), Spec.Shape(count))
            : DeviceValue(count);
    }

    /// <summary>An ONNX Runtime value over the first <paramref name="count"/> images in device memory (float, the
    /// spec's shape, <see cref="CudaMemoryInfo"/>); the batch keeps its memory. What <see cref="Input"/> gives with
    /// <see cref="DeviceTensorInput.Device"/>.</summary>
    internal OrtValue DeviceValue(int count)
        => OrtValue.CreateTensorValueWithData(CudaMemoryInfo, TensorElementType.Float, Spec.Shape(count), _buffer.NativePtr,
            (long)count * Spec.ImageLength * sizeof(float));

    /// <summary>The address of the tensor in device memory.</summary>
    internal nint DevicePointer => _buffer.NativePtr;

    /// <summary>Forgets the finished images (the batch is refilled).</summary>
    public override void Reset() => _complete = 0;

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var input in _inputs) input?.Dispose();
        Array.Clear(_inputs);
        _cudaMemory?.Dispose();
        _cudaMemory = null;
        if (!Device.Accelerator.IsDisposed) _buffer.Dispose(); // the device frees what its accelerator held anyway
        base.Dispose();
    }
}
