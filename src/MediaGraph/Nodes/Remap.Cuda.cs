using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>The device implementation shared by Crop, Flip and Rotate: one integer remap per plane
/// (<see cref="GeometryKernels"/>) into a new device frame; bit-exact with libavfilter's crop, hflip, vflip and
/// transpose. Formats: planar 8-bit YUV, gray, nv12, rgb24, bgr24, rgba, bgra.</summary>
internal sealed class RemapCuda(int width, int height, Func<int, int, int, RemapParams> map) : FrameTransform
{
    private static readonly HashSet<string> Formats = ["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12", "gray", "rgb24", "bgr24", "rgba", "bgra"];

    /// <summary>The transform for device frames like <paramref name="first"/>, or null for frames not in a pool of ours.</summary>
    public static RemapCuda? Create(string node, VideoFrame first, int width, int height, Func<int, int, int, RemapParams> map)
    {
        if (first.Device is null) return null;
        if (!Formats.Contains(first.Format.Name))
            throw new MediaGraphException(node, $"{first.Format} has no device kernel (supported: {string.Join(", ", Formats)}); set the node's \"device\" option to cpu");
        return new RemapCuda(width, height, map);
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        var result = output.RentDeviceFrame(frame.Device!, frame.Format, width, height, frame);
        try
        {
            DeviceOps.Remap(frame, result, map, stream: output.StreamOn(frame.Device!));
        }
        catch
        {
            result.Dispose();
            throw;
        }
        output.Add(result);
    }
}
