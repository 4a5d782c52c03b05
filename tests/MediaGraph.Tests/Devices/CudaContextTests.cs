using ILGPU.Runtime;
using MediaGraph.Interop;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>The one-context layer as far as it can be checked without a GPU: the shim loads the driver itself and says
/// clearly when there is none; ILGPU still has what the primary-context adoption needs. (With a GPU, the same calls
/// open the primary context: that path is unverified on hardware until a GPU is lent.)</summary>
[Collection(SerialCollection.Name)] // counts the process's native handles
public sealed class CudaContextTests
{
    private static bool NoDriver => CudaDriver.Probe(out _) == 0;

    [Fact]
    public void Probe_WithoutNvidiaDriver_FindsNoGpuAndSaysWhy()
    {
        if (!NoDriver) return; // a machine with a GPU: the probe finds it (covered by the GPU check)
        Assert.Equal(0, CudaDriver.Probe(out var why));
        Assert.Contains("libcuda.so.1", why);
        Assert.Contains("no NVIDIA driver", why);
    }

    [Fact]
    public void Open_WithoutNvidiaDriver_FailsNamingTheDriverAndTheWayOut()
    {
        if (!NoDriver) return;
        var handles = NativeMethods.mg_live_handles();
        var e = Assert.Throws<MediaGraphException>(() => CudaDriver.Open(0));
        Assert.Contains("libcuda.so.1", e.Message);
        Assert.Contains("--device cpu", e.Message);
        Assert.Equal(handles, NativeMethods.mg_live_handles());
    }

    [Fact]
    public void Open_LibraryThatIsNotADriver_SaysWhichEntryPointIsMissing()
    {
        var e = Assert.Throws<MediaGraphException>(() => CudaDriver.Open(0, "libc.so.6"));
        Assert.Contains("libc.so.6 has no cuInit", e.Message);
    }

    [Fact]
    public void DeviceCuda_WithoutGpu_FailsFastWithTheShimsReason()
    {
        if (!NoDriver || !ComputeDevice.IsSupported) return;
        var e = Assert.Throws<MediaGraphException>(() => ComputeDevice.Open(Device.Cuda(0)));
        Assert.Contains("device cuda", e.Message);
        Assert.Contains("libcuda.so.1", e.Message);
    }

    [Fact]
    public void Ilgpu_KeepsTheNativePtrSetterThePrimaryContextAdoptionUses()
    {
        // PrimaryContext.Adopt swaps the accelerator's context through this setter; an ILGPU upgrade that removes it
        // must fail here, not on the first GPU.
        Assert.NotNull(PrimaryContext.NativePtrSetter);
        using var device = ComputeDevice.Open(Device.CudaSim)!;
        var accelerator = device.Accelerator;
        var original = accelerator.NativePtr;
        PrimaryContext.NativePtrSetter!.Invoke(accelerator, [(nint)0x1234]);
        Assert.Equal((nint)0x1234, accelerator.NativePtr);
        PrimaryContext.NativePtrSetter.Invoke(accelerator, [original]);
    }
}
