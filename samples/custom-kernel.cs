#:project ../src/MediaGraph/MediaGraph.csproj
#:property PublishAot=false
// Your own GPU operator in C#: a privacy filter that pixelates given boxes (faces, number plates), written once as an
// ILGPU kernel for the device and once as plain C# for the CPU, and used as a node. The node handles the rest: the
// device's buffer pool, the stream, uploads and downloads around it, timing, metadata and metrics.
//
//   dotnet run samples/custom-kernel.cs -- INPUT OUTPUT.mkv [--device cpu|cuda|cuda-sim] [--box X,Y,W,H ...]
//
// --device cuda-sim runs the kernel on ILGPU's CPU simulator (slow: use a small input), so you can check it
// without a GPU; cuda runs it on an NVIDIA GPU.

using ILGPU;
using ILGPU.Runtime;
using MediaGraph;
using Device = MediaGraph.Device; // ILGPU.Runtime has a Device too

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: dotnet run samples/custom-kernel.cs -- INPUT OUTPUT.mkv [--device cpu|cuda|cuda-sim] [--box X,Y,W,H ...]");
    return 2;
}
var device = Device.Cpu;
var boxes = new List<int>();
for (var i = 2; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--device") device = Device.Parse(args[i + 1]);
    else if (args[i] == "--box") boxes.AddRange(args[i + 1].Split(',').Select(int.Parse));
    else { Console.Error.WriteLine($"unknown option {args[i]}"); return 2; }
}
if (boxes.Count == 0) boxes.AddRange([16, 16, 64, 48]);
var boxArray = boxes.ToArray();
const int Block = 8; // mosaic cell in luma pixels

var graph = new Graph(new GraphOptions { Device = device });
var input = graph.Decode(args[0]);
var video = input.Video.Kernel(new KernelOptions
{
    Name = "privacy-blur",
    // On a device: one launch per plane over its samples; the kernel is compiled once per device.
    OnDevice = call =>
    {
        var kernel = call.Load(acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
            ArrayView2D<byte, Stride2D.DenseX>, ArrayView<int>, int, int>(PrivacyKernels.Pixelate));
        using var boxesOnDevice = call.Device!.Accelerator.Allocate1D(boxArray);
        // That copy ran on ILGPU's default stream, which the node's own stream (call.Stream) does not wait for.
        call.Device.Accelerator.DefaultStream.Synchronize();
        for (var plane = 0; plane < 3; plane++)
        {
            var shift = plane == 0 ? 0 : 1; // yuv420p chroma is half size
            var src = call.Input.GetDevicePlane<byte>(plane);
            kernel(call.Stream, new Index2D((int)src.Extent.X, (int)src.Extent.Y), src, call.Output.GetDevicePlane<byte>(plane),
                boxesOnDevice.View, Block >> shift, shift);
        }
        call.Stream.Synchronize(); // the boxes' buffer is freed when this returns
    },
    // On the CPU: the same rule over host planes.
    OnCpu = call =>
    {
        for (var plane = 0; plane < 3; plane++)
        {
            var shift = plane == 0 ? 0 : 1;
            var p = call.Input.GetPlane(plane);
            PrivacyKernels.PixelateHost(call.Input.GetPlaneSpan(plane), call.Output.GetPlaneSpan(plane), p.RowBytes, p.Rows, p.Pitch,
                boxArray, Block >> shift, shift);
        }
    },
});
graph.Encode(args[1], video, null, new EncodeOptions { VideoCodec = "ffv1" });
var metrics = await graph.RunAsync();
Console.WriteLine(metrics.Summary());
return 0;

/// <summary>The privacy filter: inside any box, every sample becomes the mean of its mosaic cell.</summary>
static class PrivacyKernels
{
    /// <summary>The device kernel, one thread per sample of a plane (boxes in luma pixels, 4 ints each).</summary>
    public static void Pixelate(Index2D p, ArrayView2D<byte, Stride2D.DenseX> src, ArrayView2D<byte, Stride2D.DenseX> dst,
        ArrayView<int> boxes, int cell, int shift)
    {
        if (!Inside(p.X << shift, p.Y << shift, boxes)) return; // the output already holds the input (CopyInput)
        int x0 = p.X / cell * cell, y0 = p.Y / cell * cell, sum = 0, n = 0;
        for (var y = y0; y < y0 + cell && y < src.Extent.Y; y++)
            for (var x = x0; x < x0 + cell && x < src.Extent.X; x++) { sum += src[x, y]; n++; }
        dst[p.X, p.Y] = (byte)((sum + n / 2) / n);
    }

    /// <summary>The same on host memory.</summary>
    public static void PixelateHost(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, int pitch, int[] boxes, int cell, int shift)
    {
        for (var py = 0; py < height; py++)
            for (var px = 0; px < width; px++)
            {
                if (!InsideHost(px << shift, py << shift, boxes)) continue;
                int x0 = px / cell * cell, y0 = py / cell * cell, sum = 0, n = 0;
                for (var y = y0; y < y0 + cell && y < height; y++)
                    for (var x = x0; x < x0 + cell && x < width; x++) { sum += src[y * pitch + x]; n++; }
                dst[py * pitch + px] = (byte)((sum + n / 2) / n);
            }
    }

    private static bool Inside(int x, int y, ArrayView<int> boxes)
    {
        for (var i = 0; i + 3 < boxes.Length; i += 4)
            if (x >= boxes[i] && y >= boxes[i + 1] && x < boxes[i] + boxes[i + 2] && y < boxes[i + 1] + boxes[i + 3]) return true;
        return false;
    }

    private static bool InsideHost(int x, int y, int[] boxes)
    {
        for (var i = 0; i + 3 < boxes.Length; i += 4)
            if (x >= boxes[i] && y >= boxes[i + 1] && x < boxes[i] + boxes[i + 2] && y < boxes[i + 1] + boxes[i + 3]) return true;
        return false;
    }
}
