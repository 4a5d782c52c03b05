using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Turns decoded video upright for a stream with a display rotation (transpose for 90° and 270°, both flips for
/// 180°), the way the ffmpeg CLI autorotates; used inside <see cref="DecodeNode"/> so the graph's shape does not
/// depend on the file. Built on the first frame; other angles are left to the player.
/// </summary>
internal sealed class Rotator : IDisposable
{
    private readonly string _description;
    private FilterGraph? _graph;
    private Rational _timeBase;

    private Rotator(string description) => _description = description;

    /// <summary>A rotator for <paramref name="degrees"/> clockwise, or null when nothing (or nothing simple) is to do.</summary>
    public static Rotator? For(double degrees)
    {
        static bool Near(double a, double b) => Math.Abs(a - b) < 1;
        if (Near(degrees, 90)) return new Rotator("transpose=clock");
        if (Near(degrees, 180)) return new Rotator("hflip,vflip");
        if (Near(degrees, 270)) return new Rotator("transpose=cclock");
        return null;
    }

    /// <summary>Pushes a frame (or 0 at the end) and emits every rotated frame the graph gives back.</summary>
    public async ValueTask PushAsync(NodeContext context, VideoFrame? frame, CancellationToken cancellationToken)
    {
        if (_graph is null)
        {
            if (frame is null) return;
            var graph = new FilterGraph(_description, 1, context.NodeName);
            try
            {
                graph.SetInput(0, FilterGraphInstance.Describe(frame));
                graph.Configure();
            }
            catch
            {
                graph.Dispose();
                throw;
            }
            _graph = graph;
            var info = graph.OutputInfo(0);
            _timeBase = new Rational(info.TbNum, info.TbDen);
        }
        Rational rate = default;
        if (frame is not null)
        {
            rate = frame.FrameRate;
            frame.SyncTiming();
        }
        _graph.Push(0, frame?.Native ?? 0);
        while (true)
        {
            var rotated = context.RentVideoFrame();
            if (_graph.Pull(0, rotated.Native) != NativeMethods.Ok)
            {
                rotated.Dispose();
                return;
            }
            rotated.RefreshProduced(_timeBase, rate);
            await context.EmitAsync(0, rotated, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _graph?.Dispose();
}
