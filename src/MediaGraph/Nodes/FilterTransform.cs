using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A one-input, one-output libavfilter graph as a <see cref="FrameTransform"/> on host frames: configured from the
/// first frame's format, it pushes each frame and adds every frame the graph gives back (in the graph's output time
/// base, frame rate and duration filled in); a flush pushes the end and drains what filters hold (yadif's
/// lookahead). Used by Scale, Deinterlace, one-input Filter nodes and the decoder's autorotation.
/// </summary>
internal sealed class FilterTransform : FrameTransform
{
    private readonly FilterGraph _graph;
    private readonly Rational _timeBase;
    private readonly Rational _frameRate;
    private readonly bool _video;
    private readonly ComputeDevice? _device;

    /// <summary>A graph for frames like <paramref name="first"/>; with <paramref name="device"/> (a CUDA device) its
    /// video input takes that device's frames as CUDA frames (FFmpeg's CUDA filters), and CUDA frames it makes are
    /// adopted as device frames.</summary>
    public FilterTransform(string description, int threads, string node, FrameBase first, ComputeDevice? device = null)
    {
        var graph = new FilterGraph(description, threads, node);
        _device = device;
        try
        {
            if (device?.Cuda is { } cuda) graph.SetCuda(cuda);
            graph.SetInput(0, FilterGraphInstance.Describe(first));
            graph.Configure();
            var info = graph.OutputInfo(0);
            _timeBase = new Rational(info.TbNum, info.TbDen);
            _frameRate = new Rational(info.FrNum, info.FrDen);
            _video = graph.OutputKind(0) == MediaKind.Video;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
        _graph = graph;
    }

    /// <summary>The transform for a node that is one libavfilter description, on host frames only.</summary>
    public static FrameTransform? OnHost(string description, int threads, string node, FrameLocation location, FrameBase first)
        => location == FrameLocation.Host ? new FilterTransform(description, threads, node, first) : null;

    public override void Transform(FrameBase input, TransformOutput output)
    {
        input.SyncTiming();
        _graph.Push(0, input.Native);
        Drain(output);
    }

    public override void Flush(TransformOutput output)
    {
        _graph.Push(0, 0);
        Drain(output);
    }

    private void Drain(TransformOutput output)
    {
        while (true)
        {
            FrameBase frame = _video ? output.RentVideoFrame() : output.RentAudioFrame();
            int status;
            try { status = _graph.Pull(0, frame.Native); }
            catch { frame.Dispose(); throw; }
            if (status != NativeMethods.Ok)
            {
                frame.Dispose();
                return;
            }
            frame.RefreshProduced(_timeBase, _frameRate);
            if (_device is not null && frame is VideoFrame { Location: FrameLocation.Cuda, Device: null } made)
            {
                try { ForeignDeviceMemory.Adopt(_device, made, _timeBase); }
                catch { frame.Dispose(); throw; }
            }
            output.Add(frame);
        }
    }

    public override void Dispose()
    {
        _graph.Dispose();
        base.Dispose();
    }
}

/// <summary>The slice threads libavfilter runs a node's filters on.</summary>
internal static class FilterThreads
{
    /// <summary>One per core, as the ffmpeg CLI's default -filter_threads: the built-in CPU operators (scale, yadif,
    /// blur, transpose ...) run their filters as the CLI does, so a node alone is as fast as the CLI's filter.</summary>
    public const int Automatic = 0;
}
