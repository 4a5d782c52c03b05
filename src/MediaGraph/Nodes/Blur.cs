using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>The kind of blur of a <see cref="BlurNode"/>.</summary>
public enum BlurKind
{
    /// <summary>A box of 2·radius + 1 samples each way (libavfilter's boxblur).</summary>
    Box,
    /// <summary>A gaussian of standard deviation sigma (radius ⌈3σ⌉), Q14 integer weights.</summary>
    Gaussian,
}

/// <summary>
/// Blurs every plane (chroma of subsampled formats with the radius scaled to its size). Emits one frame per frame,
/// timestamps and metadata kept. Box: on the CPU libavfilter's <c>boxblur</c> (power 1), on a device a kernel
/// bit-exact with it. Gaussian: on the CPU a vectorised C# twin (<see cref="CpuBlur"/>), on a device a kernel
/// bit-exact with that twin (libavfilter's gblur is an IIR approximation, not the same filter). Formats: planar
/// 8-bit YUV and gray (box and gaussian), nv12 (gaussian).
/// </summary>
public sealed class BlurNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "blur",
        Doc = "Box or gaussian blur.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Enum("kind", "box or gaussian.", BlurKind.Gaussian, ("box", BlurKind.Box), ("gaussian", BlurKind.Gaussian)),
            Parameter.Double("size", "Box: the radius in luma pixels (whole); gaussian: sigma in luma pixels.", required: true, min: 0.1, max: 64),
            DeviceOption.Declaration,
        ],
        Create = v => new BlurNode(v),
    };

    /// <summary>A blur of <paramref name="kind"/>: <paramref name="size"/> is the box radius or the gaussian's sigma.</summary>
    public BlurNode(BlurKind kind, double size) : this(new ParameterValues { ["kind"] = kind, ["size"] = size }) { }

    private BlurNode(ParameterValues values) : base(Descriptor, values) { }

    public BlurKind BlurKind => Values.Get<BlurKind>("kind");
    public double Size => Values.Get<double>("size");

    protected internal override bool HasDeviceImplementation => true;

    /// <summary>The radius (box) or sigma (gaussian) of plane <paramref name="plane"/> of <paramref name="format"/>.</summary>
    internal double PlaneSize(PixelFormat format, int plane)
    {
        var (hsub, _) = DeviceOps.Subsampling(format);
        return plane is 1 or 2 && hsub > 0 ? Size / (1 << hsub) : Size;
    }

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        var frame = (VideoFrame)first;
        var box = BlurKind == BlurKind.Box;
        if (box && frame.Format.Name is not ("yuv420p" or "yuv422p" or "yuv444p" or "gray"))
            throw new MediaGraphException(Name, $"blur: the box blur takes planar 8-bit YUV or gray, not {frame.Format}");
        if (!box && frame.Format.Name is not ("yuv420p" or "yuv422p" or "yuv444p" or "gray" or "nv12"))
            throw new MediaGraphException(Name, $"blur: the gaussian blur takes planar 8-bit YUV, gray or nv12, not {frame.Format}");
        int Radius(int plane) => (int)PlaneSize(frame.Format, plane);
        if (location != FrameLocation.Cuda)
        {
            return box
                ? FilterTransform.OnHost($"boxblur=luma_radius={Radius(0)}:luma_power=1:chroma_radius={Radius(1)}:chroma_power=1", FilterThreads.Automatic, Name, location, first)
                : location == FrameLocation.Host ? new GaussianCpu(this) : null;
        }
        if (frame.Device is null) return null;
        if (box) return new BlurCuda(frame.Device, Radius, null);
        var weights = Enumerable.Range(0, 4).Select(i => GaussianWeights.For(PlaneSize(frame.Format, i))).ToArray();
        return new BlurCuda(frame.Device, i => weights[i].Length / 2, weights);
    }

    /// <summary>The gaussian on host frames: <see cref="GaussianBlurCpu"/> (vectorised C#, rows split over the
    /// automatic filter threads), its weights made once per plane for the format.</summary>
    private sealed class GaussianCpu(BlurNode node) : FrameTransform
    {
        private readonly GaussianBlurCpu _blur = new(FilterThreads.Automatic);
        private readonly int[]?[] _weights = new int[4][];

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var result = output.RentVideoFrame();
            try
            {
                DeviceCopy.AllocateHostLike(result, frame);
                for (var i = 0; i < 4; i++)
                {
                    var p = frame.GetPlane(i);
                    if (p.Data == 0) break;
                    var q = result.GetPlane(i);
                    if (q.Pitch != p.Pitch) throw new InvalidOperationException("blur: output pitch differs from the input's");
                    var step = DeviceOps.Channels(frame.Format, i);
                    var weights = _weights[i] ??= GaussianWeights.For(node.PlaneSize(frame.Format, i));
                    _blur.Blur(p.Data, q.Data, p.RowBytes / step, p.Rows, p.Pitch, step, weights);
                }
            }
            catch
            {
                result.Dispose();
                throw;
            }
            output.Add(result);
        }

        public override void Dispose()
        {
            _blur.Dispose();
            base.Dispose();
        }
    }

    private sealed class BlurCuda : FrameTransform
    {
        private readonly Func<int, int> _radius;
        private readonly MemoryBuffer1D<int, Stride1D.Dense>[]? _weights;

        /// <summary>Box when <paramref name="weights"/> is null, else gaussian with these per-plane weights.</summary>
        public BlurCuda(ComputeDevice device, Func<int, int> radius, int[][]? weights)
        {
            _radius = radius;
            _weights = weights?.Select(w => device.Accelerator.Allocate1D(w)).ToArray();
            // The weights were copied on ILGPU's default (legacy) stream, which the node's non-blocking stream does
            // not order against: wait for them once, here, not per frame.
            if (_weights is not null) device.Accelerator.Synchronize();
        }

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var device = frame.Device!;
            var result = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, frame);
            var temp = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, null);
            try
            {
                var weights = _weights;
                DeviceOps.Blur(frame, result, temp, _radius, weights is null ? null : i => weights[i].View, output.StreamOn(device));
            }
            catch
            {
                result.Dispose();
                throw;
            }
            finally
            {
                temp.Dispose();
            }
            output.Add(result);
        }

        public override void Dispose()
        {
            if (_weights is not null) foreach (var w in _weights) w.Dispose();
            base.Dispose();
        }
    }
}
