using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using MediaGraph.Interop;
using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>
/// An opened device (a CUDA GPU, or ILGPU's CPU accelerator standing in for one): its ILGPU context and accelerator,
/// a caching pool of pitched frame buffers (<see cref="DeviceFramePool"/>), the kernels loaded on it and its stream.
/// A graph run opens one from <see cref="GraphOptions.Device"/> and disposes it when the run ends; frames still alive
/// then keep their buffers until released. Device frames (<see cref="VideoFrame.Device"/>) point back here.
/// </summary>
public sealed class ComputeDevice : IAsyncDisposable, IDisposable
{
    private readonly Context _context;
    private readonly ConcurrentDictionary<object, object> _kernels = new();
    private int _disposed;

    private readonly ConcurrentDictionary<(nint, long), ForeignDeviceMemory.ForeignBuffer> _foreign = new();

    private ComputeDevice(Device device, Context context, Accelerator accelerator, CudaDriver? cuda = null, DeviceTimeline? timeline = null)
    {
        Device = device;
        _context = context;
        Accelerator = accelerator;
        Cuda = cuda;
        // On CUDA, the kernels run on the stream FFmpeg uses too (NVDEC mapping, NVENC input, CUDA filters), so what
        // one queues is ordered after what the other queued, with no host wait.
        Stream = cuda is not null && accelerator is CudaAccelerator gpu ? gpu.CreateStream(cuda.Stream, responsible: false) : accelerator.DefaultStream;
        Timeline = timeline ?? (cuda is not null ? new CudaTimeline(cuda) : new ImmediateTimeline());
        Frames = new DeviceFramePool(this);
    }

    /// <summary>The shim's side of a CUDA device (primary context, shared stream, FFmpeg's device context, events);
    /// null for the CPU simulator.</summary>
    internal CudaDriver? Cuda { get; }

    /// <summary>GPU-side ordering and the deferred return of memory (see <see cref="DeviceTimeline"/>).</summary>
    internal DeviceTimeline Timeline { get; }

    /// <summary>A simulator device with a given timeline: for tests of ordering and lifetime.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Tests only; dynamic code.")]
    internal static ComputeDevice OpenSimulator(DeviceTimeline timeline)
    {
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Default).Optimize(OptimizationLevel.O1));
        return new ComputeDevice(MediaGraph.Device.CudaSim, context, context.CreateCPUAccelerator(0), null, timeline);
    }

    /// <summary>An ILGPU buffer over memory someone else owns, one per distinct span (NVDEC's surfaces and FFmpeg's
    /// pools are small fixed sets, so this stays small).</summary>
    internal ForeignDeviceMemory.ForeignBuffer ForeignBuffer(nint pointer, long length)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_foreign.Count > 256) _foreign.Clear(); // a source of ever-new pointers: do not grow without bound
        return _foreign.GetOrAdd((pointer, length), static (k, acc) => new ForeignDeviceMemory.ForeignBuffer(acc, k.Item1, k.Item2), Accelerator);
    }

    /// <summary>Which device this is (<see cref="DeviceKind.Cuda"/> or <see cref="DeviceKind.CudaSim"/>).</summary>
    public Device Device { get; }

    /// <summary>The ILGPU accelerator that runs the kernels.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The device's shared stream: FFmpeg's (NVDEC's output, NVENC's input, its CUDA filters) and that of
    /// calls made outside a node (the <see cref="Kernels.DeviceOps"/> calls given no stream). Nodes have streams of
    /// their own (<see cref="CreateStream"/>) and order against this one with fences.</summary>
    public AcceleratorStream Stream { get; }

    /// <summary><see cref="Stream"/> seen by <paramref name="owner"/> (a decoder adopting NVDEC's output, an encoder
    /// handing frames to NVENC, a call given no stream): FFmpeg's work is queued there. Each user gets its own view
    /// (the view keeps the frames of one call between its reads/writes and its fence); views of it are one queue, so
    /// they never wait for each other.</summary>
    internal DeviceStream SharedStream(string owner) => new(this, Stream, Cuda?.Stream ?? 0, owner, owned: false);

    /// <summary>A stream of its own for <paramref name="owner"/> (a node instance; named in errors), on CUDA a
    /// non-blocking CUDA stream of the primary context. Dispose it when the node is done (a run does:
    /// <see cref="NodeContext.StreamOn"/>).</summary>
    public DeviceStream CreateStream(string owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return DeviceStream.Create(this, owner);
    }

    /// <summary>The caching pool of pitched frame buffers.</summary>
    public DeviceFramePool Frames { get; }

    /// <summary>The accelerator's name ("NVIDIA H200", "CPUAccelerator").</summary>
    public string Name => Accelerator.Name;

    private static readonly Lazy<bool> CudaProbe = new(ProbeCuda);

    /// <summary>True when this process can run CUDA kernels: dynamic code (not Native AOT), an NVIDIA driver and at
    /// least one GPU. Probed once per process.</summary>
    public static bool CudaPresent => IsSupported && CudaProbe.Value;

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when dynamic code is supported.")]
    private static bool ProbeCuda()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>True when ILGPU can compile kernels in this process: false in a Native AOT build (no dynamic code).</summary>
    public static bool IsSupported => RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>
    /// Opens <paramref name="device"/>: null for <see cref="DeviceKind.Cpu"/>, and for <see cref="DeviceKind.Auto"/>
    /// when there is no CUDA GPU (said in one log line). <see cref="DeviceKind.Cuda"/> without that GPU, or any GPU
    /// kind in a Native AOT build, throws saying why.
    /// </summary>
    public static ComputeDevice? Open(Device device, ILogger? logger = null)
    {
        switch (device.Kind)
        {
            case DeviceKind.Cpu:
                return null;
            case DeviceKind.Auto:
                if (!IsSupported)
                {
                    logger?.LogInformation("device auto: this is a Native AOT build (ILGPU needs dynamic code), so video runs on the CPU");
                    return null;
                }
                var why = "no NVIDIA driver or GPU found";
                var found = CudaPresent ? OpenCuda(0, out why) : null;
                if (found is null) logger?.LogInformation("device auto: no CUDA GPU ({Why}), so video runs on the CPU", why);
                else logger?.LogInformation("device auto: {Name}", found.Name);
                return found;
            case DeviceKind.Cuda:
                RequireDynamicCode(device);
                return OpenCuda(device.Index, out var reason)
                    ?? throw new MediaGraphException(null, $"device {device}: no CUDA GPU: {reason}; use --device cpu (or Device.Cpu), or auto to fall back to the CPU");
            case DeviceKind.CudaSim:
                RequireDynamicCode(device);
                return OpenSimulator();
            default:
                throw new ArgumentOutOfRangeException(nameof(device), device.Kind, "unknown device kind");
        }
    }

    private static void RequireDynamicCode(Device device)
    {
        if (!IsSupported)
            throw new MediaGraphException(null,
                $"device {device} needs ILGPU, which compiles kernels at run time, and this is a Native AOT build without dynamic code; " +
                "run the framework-dependent build (the mediagraph .NET tool, or `dotnet run`) for --device cuda / cuda-sim, or use --device cpu");
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when dynamic code is supported (checked above).")]
    private static ComputeDevice? OpenCuda(int index, out string why)
    {
        // The shim first: it loads the driver, retains the device's primary context and makes FFmpeg's device context
        // over it; its message says exactly what is missing (no driver, no such GPU).
        CudaDriver driver;
        try
        {
            driver = CudaDriver.Open(index);
        }
        catch (MediaGraphException e)
        {
            why = e.Message;
            return null;
        }
        Context? context = null;
        try
        {
            context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O1));
            var gpus = context.GetCudaDevices();
            if (index >= gpus.Count)
            {
                why = $"ILGPU finds {gpus.Count} CUDA device(s), not device {index}";
                context.Dispose();
                driver.Dispose();
                return null;
            }
            var accelerator = context.CreateCudaAccelerator(index);
            PrimaryContext.Adopt(accelerator, driver);
            why = "";
            return new ComputeDevice(Cuda(index), context, accelerator, driver);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            context?.Dispose();
            driver.Dispose();
            why = $"CUDA could not be opened: {e.Message}";
            return null;
        }

        static Device Cuda(int i) => MediaGraph.Device.Cuda(i);
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when dynamic code is supported (checked by Open).")]
    private static ComputeDevice OpenSimulator()
    {
        // The CPU accelerator simulates a small CUDA-like device (warps, groups); kernels are the same C# as on CUDA.
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Default).Optimize(OptimizationLevel.O1));
        return new ComputeDevice(MediaGraph.Device.CudaSim, context, context.CreateCPUAccelerator(0));
    }

    /// <summary>The kernel (or any per-device object) made by <paramref name="load"/> for <paramref name="key"/>,
    /// loaded once per device and shared by every node and run that uses it: load kernels when a node negotiates,
    /// never per frame.</summary>
    public T GetOrLoad<T>(object key, Func<Accelerator, T> load) where T : class
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return (T)_kernels.GetOrAdd(key, static (_, s) => s.load(s.accelerator), (load, accelerator: Accelerator));
    }

    /// <summary>Waits until everything queued on <see cref="Stream"/> has run.</summary>
    public void Synchronize() => Stream.Synchronize();

    /// <summary>Cross-stream waits queued on the GPU so far (each a cuStreamWaitEvent on CUDA).</summary>
    public long GpuWaits => Timeline.GpuWaits;

    /// <summary>Times the host blocked for the GPU (downloads, an upload reusing its staging memory, a decoder out
    /// of surfaces).</summary>
    public long HostWaits => Timeline.HostWaits;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { Accelerator.Synchronize(); } catch (Exception) { /* a failed kernel already reported; free anyway */ }
        Timeline.Dispose(); // every retired buffer and NVDEC surface goes back now that the GPU is idle
        Frames.Dispose();
        _kernels.Clear();
        _foreign.Clear();
        if (Cuda is not null && Accelerator is CudaAccelerator gpu)
        {
            // ILGPU's kernels and buffers live in the primary context: free them while it is bound, then let ILGPU
            // destroy a context of its own instead of the primary one, which the shim releases last.
            gpu.ClearCache(ClearCacheMode.Everything);
            if (Stream != gpu.DefaultStream) Stream.Dispose();
            PrimaryContext.Release(gpu, Cuda);
        }
        Accelerator.Dispose();
        _context.Dispose();
        Cuda?.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Device} ({Name})";
}
