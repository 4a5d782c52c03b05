using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Kernels;

namespace MediaGraph.GpuCheck;

/// <summary>
/// The tensorize stage of the check as a kernel node: each frame is written into a model-input tensor (RGB, planar
/// NCHW, /255) by the device's tensorize kernel (<see cref="DeviceOps.Tensorize"/>) on a device, or by
/// <see cref="CpuTensorizer"/> on the CPU; the frame itself passes on unchanged. The tensor of frame
/// <see cref="KeptFrame"/> is kept to be compared between the two paths: on a device it is read back once, by the
/// check and not by the graph, so no node's counters include it (the device is gone when the run has ended).
/// </summary>
internal sealed class Tensorize : IDisposable
{
    private readonly PreprocessSpec _spec;
    private MemoryBuffer1D<float, Stride1D.Dense>? _device;
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
            _device ??= call.Device!.Accelerator.Allocate1D<float>(_spec.ImageLength);
            var a = TensorizeParams.For(frame.Format.Name, frame.Width, frame.Height, _spec.Width, _spec.Height, keepAspect: false, pad: 0,
                [0f, 0f, 0f], [1f, 1f, 1f], bgr: false, nhwc: false, bt709: false, fullRange: false, offset: 0);
            DeviceOps.Tensorize(frame, _device.View, a);
            if (_frames++ == KeptFrame) _kept = _device.GetAsArray1D();
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
        _device?.Dispose();
        _cpu?.Dispose();
    }
}
