using ILGPU.Runtime;

namespace MediaGraph.GpuCheck;

/// <summary>
/// The tensorize stage of the check as a kernel node: each frame is written into a model-input tensor (RGB, planar
/// NCHW, /255) by the tensorizer the inference node uses for frames where they live
/// (<see cref="FrameTensorizers.Create"/>: <see cref="CudaTensorizer"/> into a <see cref="DeviceTensorBatch"/> on a
/// device, on a stream of its own ordered by the frames' fences, as in the inference node; <see cref="CpuTensorizer"/>
/// on the CPU); the frame itself passes on unchanged. The tensor of frame
/// <see cref="KeptFrame"/> is kept to be compared between the two paths: on a device it is read back once, by the
/// check and not by the graph, so no node's counters include it (the device is gone when the run has ended).
/// </summary>
internal sealed class Tensorize : IDisposable
{
    private readonly PreprocessSpec _spec;
    private DeviceStream? _stream;
    private DeviceTensorBatch? _device;
    private IFrameTensorizer? _onDevice;
    private CpuTensorizer? _cpu;
    private float[]? _host, _kept;
    private int _frames;

    /// <summary>The frame whose tensor is kept (0-based; the 4th, past yadif's first frame).</summary>
    public const int KeptFrame = 3;

    /// <summary>A tensor of <paramref name="width"/>×<paramref name="height"/>: the scaled frame's size, so both paths
    /// only convert colour (no resampling, where the kernel's two taps and swscale's filter differ by design).</summary>
    public Tensorize(int width, int height) => _spec = new PreprocessSpec(width, height, keepAspect: false);

    public KernelOptions Node => new()
    {
        Name = "tensorize",
        OnDevice = call =>
        {
            var frame = call.Input;
            _stream ??= call.Device!.CreateStream("tensorize");
            // No ONNX Runtime here (the bundle has none): the batch is made as for a CUDA-provider model, which reads
            // it in place, so nothing is downloaded per frame.
            _device ??= (DeviceTensorBatch)FrameTensorizers.CreateBatch(_spec, FrameLocation.Cuda, 1, "tensorize", new DeviceBatchOptions(_stream, DeviceTensorInput.Device));
            _onDevice ??= FrameTensorizers.Create(_spec, frame, "tensorize");
            _onDevice.Write(frame, _device, 0);
            if (_frames++ == KeptFrame)
            {
                _kept = GC.AllocateUninitializedArray<float>(_spec.ImageLength, pinned: true); // the copy is queued: it must not move
                _device.View.SubView(0, _kept.Length).CopyToCPU(_stream.Stream, ref _kept[0], _kept.Length);
                _stream.Synchronize();
            }
        },
        OnCpu = call =>
        {
            _cpu ??= new CpuTensorizer(_spec, call.Input, "tensorize");
            _host ??= new float[_spec.ImageLength];
            _cpu.Write(call.Input, _host);
            if (_frames++ == KeptFrame) _kept = (float[])_host.Clone();
        },
    };

    /// <summary>The tensor of frame <see cref="KeptFrame"/>, or null when the run had fewer frames.</summary>
    public float[]? Kept => _kept;

    public void Dispose()
    {
        _onDevice?.Dispose();
        _device?.Dispose();
        _stream?.Dispose();
        _cpu?.Dispose();
    }
}
