using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// Gamma correction, as libavfilter's lut filters define it (<c>gammaval(g)</c>: <c>pow((v - min) / (max - min), g)
/// * (max - min) + min</c>, truncated and clipped to the format's range): on luma only for YUV (limited range
/// 16..235, as lutyuv, whose chroma is clipped to 16..240), on R, G and B for RGB (0..255, as lutrgb). Emits one frame per
/// frame, timestamps and metadata kept. On the CPU libavfilter's lutyuv / lutrgb; on a device a table lookup
/// kernel with the same table, bit-exact with them. Formats: yuv420p, yuv422p, yuv444p, nv12 (device), gray, rgb24,
/// bgr24, rgba, bgra.
/// </summary>
public sealed class GammaNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "gamma",
        Doc = "Gamma correction of luma (YUV) or R, G, B (RGB).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Double("gamma", "Gamma (the exponent): above 1 darkens mid-tones, below 1 brightens them.", required: true, min: 0.01, max: 100),
            DeviceOption.Declaration,
        ],
        Create = v => new GammaNode(v),
    };

    /// <summary>Applies <paramref name="gamma"/>.</summary>
    public GammaNode(double gamma) : this(new ParameterValues { ["gamma"] = gamma }) { }

    private GammaNode(ParameterValues values) : base(Descriptor, values) { }

    public double Gamma => Values.Get<double>("gamma");

    private string G => Gamma.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        var frame = (VideoFrame)first;
        var rgb = DeviceOps.Channels(frame.Format, 0) >= 3;
        if (location != FrameLocation.Cuda)
        {
            var description = rgb ? $"lutrgb=r=gammaval({G}):g=gammaval({G}):b=gammaval({G})" : $"lutyuv=y=gammaval({G})";
            return FilterTransform.OnHost(description, FilterThreads.Automatic, Name, location, first);
        }
        if (frame.Device is null) return null;
        if (frame.Format.Name is not ("yuv420p" or "yuv422p" or "yuv444p" or "nv12" or "gray" or "rgb24" or "bgr24" or "rgba" or "bgra"))
            throw new MediaGraphException(Name, $"gamma: {frame.Format} has no device kernel");
        return new GammaCuda(frame.Device, Table(frame.Format, Gamma));
    }

    /// <summary>The lookup tables (plane p, channel c at <c>(p * 4 + c) * 256</c>) as vf_lut computes them: the
    /// expression in double on the value clipped to the component's range, truncated to int, clipped again. Luma
    /// (YUV, 16..235) or R, G, B (0..255) get <c>gammaval</c>; chroma (16..240) and alpha are clipped only (lutyuv's
    /// and lutrgb's default "clipval").</summary>
    internal static byte[] Table(PixelFormat format, double gamma)
    {
        var table = new byte[4 * 4 * 256];
        var rgb = DeviceOps.Channels(format, 0) >= 3;
        var alpha = format.Name is "rgba" or "bgra" ? 3 : -1;
        for (var plane = 0; plane < 4; plane++)
            for (var c = 0; c < 4; c++)
            {
                var isGamma = plane == 0 && (!rgb || c != alpha);
                var (min, max) = rgb ? (0, 255) : plane == 0 ? (16, 235) : (16, 240);
                for (var v = 0; v < 256; v++)
                {
                    double clip = Math.Clamp(v, min, max);
                    var res = isGamma ? Math.Pow((clip - min) / (max - min), gamma) * (max - min) + min : clip;
                    table[(plane * 4 + c) * 256 + v] = (byte)Math.Clamp((int)res, min, max);
                }
            }
        return table;
    }

    private sealed class GammaCuda(ComputeDevice device, byte[] table) : FrameTransform
    {
        // Copied on ILGPU's default (legacy) stream, which the node's non-blocking stream does not order against:
        // waited for once, here, not per frame.
        private readonly MemoryBuffer1D<byte, Stride1D.Dense> _table = Synchronized(device, device.Accelerator.Allocate1D(table));

        private static MemoryBuffer1D<byte, Stride1D.Dense> Synchronized(ComputeDevice device, MemoryBuffer1D<byte, Stride1D.Dense> buffer)
        {
            device.Accelerator.Synchronize();
            return buffer;
        }

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var result = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, frame);
            try
            {
                DeviceOps.Lookup(frame, result, _table.View, output.StreamOn(device));
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
            _table.Dispose();
            base.Dispose();
        }
    }
}
