using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Tests.Cli;
using Xunit;
using Device = MediaGraph.Device;

namespace MediaGraph.Tests.Devices;

/// <summary>A user's kernel as a node: 1-in-1-out and N-in-1-out, on cuda-sim and on the CPU, with the same result;
/// and the custom-kernel sample run end to end.</summary>
[Collection(Kernels.SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class KernelNodeTests
{
    /// <summary>out = (a + b + 1) / 2 per sample, of two inputs.</summary>
    public static void Average(Index2D p, ArrayView2D<byte, Stride2D.DenseX> a, ArrayView2D<byte, Stride2D.DenseX> b, ArrayView2D<byte, Stride2D.DenseX> o)
        => o[p.X, p.Y] = (byte)((a[p.X, p.Y] + b[p.X, p.Y] + 1) / 2);

    private static KernelOptions AverageOptions => new()
    {
        Name = "average",
        CopyInput = false,
        OnDevice = call =>
        {
            var k = call.Load(acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>,
                ArrayView2D<byte, Stride2D.DenseX>>(Average));
            for (var i = 0; i < 3; i++)
            {
                var o = call.Output.GetDevicePlane<byte>(i);
                k(call.Stream, new Index2D((int)o.Extent.X, (int)o.Extent.Y), call.Inputs[0].GetDevicePlane<byte>(i), call.Inputs[1].GetDevicePlane<byte>(i), o);
            }
        },
        OnCpu = call =>
        {
            for (var i = 0; i < 3; i++)
            {
                var p = call.Output.GetPlane(i);
                var a = call.Inputs[0].GetPlaneSpan(i);
                var b = call.Inputs[1].GetPlaneSpan(i);
                var o = call.Output.GetPlaneSpan(i);
                var (pa, pb) = (call.Inputs[0].GetPlane(i).Pitch, call.Inputs[1].GetPlane(i).Pitch);
                for (var y = 0; y < p.Rows; y++)
                    for (var x = 0; x < p.RowBytes; x++)
                        o[y * p.Pitch + x] = (byte)((a[y * pa + x] + b[y * pb + x] + 1) / 2);
            }
        },
    };

    private static async Task<List<string>> RunAverageAsync(Device device)
    {
        var input = await TestMedia.ClipAsync("kernel-96x54.mkv", "-f lavfi -i testsrc2=size=96x54:rate=25 -frames:v 3 -pix_fmt yuv420p -c:v ffv1");
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = device });
        var a = graph.Decode(input).Video;
        var b = graph.Decode(input).Video.Flip();
        var sink = graph.Sink(graph.Kernel(AverageOptions, a, b));
        var run = graph.RunAsync();
        var hashes = new List<string>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.Equal(FrameLocation.Host, frame.Location);
                hashes.Add($"{frame.Pts} {FrameOracle.Md5(frame)}");
            }
        var metrics = await run;
        Assert.Equal(device == Device.Cpu ? 0 : 1, metrics.Nodes.Count(n => n.Kind == "download"));
        return hashes;
    }

    [Fact(Timeout = 240000)]
    public async Task KernelNode_TwoInputsInStep_GivesTheSameFramesOnCudaSimAndOnTheCpu()
    {
        var device = await RunAverageAsync(Device.CudaSim);
        var cpu = await RunAverageAsync(Device.Cpu);

        Assert.Equal(3, cpu.Count);
        Assert.Equal(cpu, device);
    }

    [Fact(Timeout = 240000)]
    public async Task KernelNode_LaunchesOnAStreamOfItsOwn_NotTheDevicesSharedOne()
    {
        var input = await TestMedia.ClipAsync("kernel-96x54.mkv", "-f lavfi -i testsrc2=size=96x54:rate=25 -frames:v 3 -pix_fmt yuv420p -c:v ffv1");
        var streams = new List<(AcceleratorStream Call, AcceleratorStream Shared)>();
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.CudaSim });
        var sink = graph.Sink(graph.Decode(input).Video.Kernel(new KernelOptions
        {
            Name = "watch-stream",
            OnDevice = call => streams.Add((call.Stream, call.Device!.Stream)),
        }));
        var run = graph.RunAsync();
        await foreach (var frame in sink.ReadAllAsync()) frame.Dispose();
        await run;

        Assert.Equal(3, streams.Count);
        Assert.All(streams, s => Assert.NotSame(s.Shared, s.Call));
        Assert.All(streams, s => Assert.Same(streams[0].Call, s.Call)); // one stream per node instance
        Assert.True(streams[0].Call.IsDisposed);                         // disposed with the run
    }

    [Fact]
    public async Task KernelNode_WithoutACpuBody_OnTheCpuFailsNamingTheNodeAndTheFix()
    {
        var input = await TestMedia.ClipAsync("kernel-96x54.mkv", "-f lavfi -i testsrc2=size=96x54:rate=25 -frames:v 3 -pix_fmt yuv420p -c:v ffv1");
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.Cpu });
        var sink = graph.Sink(graph.Decode(input).Video.Kernel(new KernelOptions { Name = "gpu-only", OnDevice = _ => { } }));

        var e = await Assert.ThrowsAsync<MediaGraphException>(async () => { await foreach (var f in sink.ReadAllAsync()) f.Dispose(); });

        Assert.Equal("gpu-only0", e.Node);
        Assert.Contains("give it OnCpu, or run the graph on a device", e.Message);
    }

    [Fact(Timeout = 300000)]
    public async Task CustomKernelSample_OnCudaSim_PixelatesTheBoxAsItsCpuPathDoes()
    {
        var input = await TestMedia.ClipAsync("kernel-128x96.mkv", "-f lavfi -i testsrc2=size=128x96:rate=25 -frames:v 2 -pix_fmt yuv420p -c:v ffv1");
        var folder = CliTestMedia.NewFolder();
        foreach (var device in new[] { "cuda-sim", "cpu" })
        {
            var (code, output, error) = await TestMedia.RunSampleAsync("custom-kernel.cs",
                $"\"{input}\" \"{Path.Combine(folder, device + ".mkv")}\" --device {device} --box 16,16,64,48", timeoutSeconds: 240);
            Assert.True(code == 0, $"{device}: {output}\n{error}");
            Assert.Contains("privacy-blur0", output);
        }
        var (c1, _, e1) = await TestMedia.RunProcessAsync("ffmpeg", $"-v error -i \"{Path.Combine(folder, "cuda-sim.mkv")}\" -f framemd5 \"{Path.Combine(folder, "sim.md5")}\"");
        var (c2, _, e2) = await TestMedia.RunProcessAsync("ffmpeg", $"-v error -i \"{Path.Combine(folder, "cpu.mkv")}\" -f framemd5 \"{Path.Combine(folder, "cpu.md5")}\"");
        var (c3, _, e3) = await TestMedia.RunProcessAsync("ffmpeg", $"-v error -i \"{input}\" -f framemd5 \"{Path.Combine(folder, "in.md5")}\"");
        Assert.True(c1 == 0 && c2 == 0 && c3 == 0, e1 + e2 + e3);
        string[] Hashes(string name) => File.ReadAllLines(Path.Combine(folder, name)).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(Hashes("cpu.md5"), Hashes("sim.md5"));
        Assert.NotEqual(Hashes("in.md5"), Hashes("sim.md5"));
    }
}
