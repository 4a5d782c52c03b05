using System.Runtime.CompilerServices;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// The running side of a filter node with several inputs or outputs (concat, amix, overlay, split); one input and
/// one output run as a transform instead (<see cref="TransformInstance"/> with a <see cref="FilterTransform"/>,
/// which also carries metadata). Frames made here do not carry their inputs' metadata yet. Negotiates once: waits until
/// each input has shown its first frame, builds and configures the graph from those formats, then pushes and
/// pulls. When an input's size or format changes mid-stream it drains the old graph and builds a new one. At end
/// of input it drains every output, so filters holding frames (yadif's lookahead) lose none.
/// Its per-frame async methods use pooled builders, so waiting on a full edge allocates nothing.
/// With several inputs, an input that ends is closed in the filter graph only once every other input has reached
/// the time it ended at (or ended too), as the ffmpeg CLI's timestamp-ordered feeding does: inputs arrive at their
/// own pace, and filters such as amix drop what they buffered for an input the moment it is closed.
/// </summary>
internal sealed class FilterGraphInstance(FilterNode node) : NodeInstance
{
    private FilterGraph? _graph;
    private StreamInfo[] _configured = [];
    private Rational[] _outputTimeBase = [];
    private Rational[] _outputFrameRate = [];
    private readonly List<(int Input, FrameBase Frame)> _waiting = new();
    private MetadataByPts?[] _metadata = []; // per input, made when its first frame with metadata arrives
    private StreamInfo?[] _firstFormat = [];
    private bool[] _ended = [];
    private bool[] _closed = [];     // end of input pushed into the current graph
    private bool _replaying;         // pushing the frames that waited for the graph to be configured

    protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
    {
        _firstFormat = new StreamInfo?[node.Inputs.Count];
        _metadata = new MetadataByPts?[node.Inputs.Count];
        _ended = new bool[node.Inputs.Count];
        _closed = new bool[node.Inputs.Count];
        return default;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
    {
        var frame = (FrameBase)item;
        var format = Describe(frame);
        if (_graph is null)
        {
            _firstFormat[input] ??= format;
            _waiting.Add((input, frame));
            ThrowIfCannotStart(context);
            if (ReadyToConfigure()) await ConfigureAndReplayAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!SameFormat(_configured[input], format))
        {
            // Re-negotiate: drain what the old graph holds, then rebuild for the new format.
            await DrainGraphAsync(context, cancellationToken).ConfigureAwait(false);
            _graph.Dispose();
            _graph = null;
            for (var i = 0; i < _firstFormat.Length; i++) _firstFormat[i] = _configured[i];
            _firstFormat[input] = format;
            _waiting.Add((input, frame));
            if (ReadyToConfigure()) await ConfigureAndReplayAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }
        using (frame) await PushAsync(context, input, frame, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected internal override async ValueTask EndOfInputAsync(NodeContext context, int input, CancellationToken cancellationToken)
    {
        _ended[input] = true;
        ThrowIfCannotStart(context);
        if (_graph is null)
        {
            if (ReadyToConfigure()) await ConfigureAndReplayAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }
        await PullAndCloseAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Pushes the end of an ended input only once the graph asks that input for more (it consumed everything queued
    /// there) or every input has ended, as the ffmpeg CLI does: amix drops what it still buffers of its first input
    /// the moment that input ends, and concat must not see the end of its first file before it played all of it.
    /// True when it pushed an end.
    /// </summary>
    private bool CloseDueInputs()
    {
        if (_replaying) return false;
        var closedAny = false;
        var allEnded = _ended.All(e => e);
        for (var i = 0; i < _ended.Length; i++)
        {
            if (!_ended[i] || _closed[i]) continue;
            if (!allEnded && _ended.Length > 1 && !_graph!.WantsInput(i)) continue;
            _graph!.Push(i, 0);
            _closed[i] = true;
            closedAny = true;
        }
        return closedAny;
    }

    /// <summary>Pulls every output, closing inputs that became due, until neither gives anything more.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PullAndCloseAsync(NodeContext context, CancellationToken cancellationToken)
    {
        CloseDueInputs();
        do await PullAllAsync(context, cancellationToken).ConfigureAwait(false);
        while (CloseDueInputs());
    }

    /// <summary>Before the graph exists, the inputs that have not shown their first frame (it needs one of each to be
    /// configured); then the inputs libavfilter asked for and did not get (concat's current file, the side of an amix
    /// or overlay that lags).</summary>
    protected internal override bool IsInputWanted(int input) => _graph is null ? _firstFormat[input] is null : _graph.WantsInput(input);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
    {
        if (_graph is null && _waiting.Count > 0)
            throw new MediaGraphException(context.NodeName, $"'{node.Description}' needs a frame on every input to start, but input {Array.IndexOf(_firstFormat, null)} ended without any");
        if (_graph is not null) await DrainGraphAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A graph with several inputs cannot start when one ended without a frame while another has some:
    /// say so now instead of queueing the others until the end.</summary>
    private void ThrowIfCannotStart(NodeContext context)
    {
        if (_graph is not null || _ended.Length < 2) return;
        for (var i = 0; i < _ended.Length; i++)
            if (_ended[i] && _firstFormat[i] is null && _firstFormat.Any(f => f is not null))
                throw new MediaGraphException(context.NodeName, $"'{node.Description}' needs a frame on every input to start, but input {i} ended without any");
    }

    private bool ReadyToConfigure()
    {
        for (var i = 0; i < _firstFormat.Length; i++)
            if (_firstFormat[i] is null && !_ended[i]) return false;
        return _firstFormat.All(f => f is not null);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ConfigureAndReplayAsync(NodeContext context, CancellationToken cancellationToken)
    {
        var graph = new FilterGraph(node.Description, node.Threads, context.NodeName);
        try
        {
            if (node.TakesDeviceFrames) graph.SetCuda(node.CudaDevice(context.Device, context.NodeName).Cuda!);
            _configured = new StreamInfo[_firstFormat.Length];
            for (var i = 0; i < _firstFormat.Length; i++)
            {
                _configured[i] = _firstFormat[i]!.Value;
                graph.SetInput(i, in _configured[i]);
            }
            graph.Configure();
        }
        catch
        {
            graph.Dispose();
            throw;
        }
        _graph = graph;
        _closed = new bool[_ended.Length];
        _outputTimeBase = new Rational[graph.OutputCount];
        _outputFrameRate = new Rational[graph.OutputCount];
        for (var o = 0; o < graph.OutputCount; o++)
        {
            var info = graph.OutputInfo(o);
            _outputTimeBase[o] = new Rational(info.TbNum, info.TbDen);
            _outputFrameRate[o] = new Rational(info.FrNum, info.FrDen);
        }
        var waiting = _waiting.ToArray();
        _waiting.Clear();
        _replaying = true; // an input that ended while the graph was being set up has frames left to push
        try
        {
            foreach (var (input, frame) in waiting)
                using (frame) await PushAsync(context, input, frame, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _replaying = false;
        }
        await PullAndCloseAsync(context, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PushAsync(NodeContext context, int input, FrameBase frame, CancellationToken cancellationToken)
    {
        frame.SyncTiming();
        if (frame.HasMetadata || _metadata[input] is not null) (_metadata[input] ??= new MetadataByPts()).Remember(frame);
        _graph!.Push(input, frame.Native);
        if (_closed.Length > 1) await PullAndCloseAsync(context, cancellationToken).ConfigureAwait(false);
        else await PullAllAsync(context, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DrainGraphAsync(NodeContext context, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _closed.Length; i++)
            if (!_closed[i]) _graph!.Push(i, 0);
        Array.Fill(_closed, true);
        await PullAllAsync(context, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask PullAllAsync(NodeContext context, CancellationToken cancellationToken)
    {
        var graph = _graph!;
        for (var o = 0; o < graph.OutputCount; o++)
        {
            var video = node.Outputs[o].Kind == MediaKind.Video;
            while (true)
            {
                FrameBase frame = video ? context.RentVideoFrame() : context.RentAudioFrame();
                if (graph.Pull(o, frame.Native) != NativeMethods.Ok)
                {
                    frame.Dispose();
                    break;
                }
                frame.RefreshProduced(_outputTimeBase[o], _outputFrameRate[o]);
                if (node.TakesDeviceFrames && frame is VideoFrame { Location: FrameLocation.Cuda, Device: null } made)
                {
                    try { ForeignDeviceMemory.Adopt(node.CudaDevice(context.Device, context.NodeName), made, _outputTimeBase[o]); }
                    catch { frame.Dispose(); throw; }
                }
                CarryMetadata(frame, graph.OutputCount);
                await context.EmitAsync(o, frame, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gives an output frame the metadata of the input frame that presents its time, trying the inputs in
    /// order (overlay's main picture first): matched by pts, exactly, so a concat's later file or a mix never borrows
    /// an earlier frame's results. With one output, what ends before it is forgotten; with several, each input keeps
    /// its last <see cref="MetadataByPts.Capacity"/> frames.</summary>
    private void CarryMetadata(FrameBase output, int outputs)
    {
        var horizon = outputs == 1 ? output.Pts : Timestamp.None;
        var attached = false;
        foreach (var trail in _metadata)
        {
            if (trail is null) continue;
            if (!attached) attached = trail.AttachHolding(output, horizon);
            else trail.Forget(output.TimeBase, horizon);
        }
    }

    /// <summary>A frame's format as a filter graph input.</summary>
    internal static StreamInfo Describe(FrameBase frame)
    {
        var info = new StreamInfo { TbNum = frame.TimeBase.Num, TbDen = frame.TimeBase.Den };
        switch (frame)
        {
            case VideoFrame v:
                info.MediaType = 0;
                info.Width = v.Width;
                info.Height = v.Height;
                info.PixFmt = v.Format.Id;
                info.SarNum = v.SampleAspectRatio.Num;
                info.SarDen = v.SampleAspectRatio.Den;
                info.FrNum = v.FrameRate.Num;
                info.FrDen = v.FrameRate.Den;
                break;
            case AudioFrame a:
                info.MediaType = 1;
                info.SampleRate = a.SampleRate;
                info.SampleFmt = a.Format.Id;
                info.Channels = a.Channels;
                info.ChannelMask = a.ChannelMask;
                break;
        }
        return info;
    }

    private static bool SameFormat(in StreamInfo a, in StreamInfo b) =>
        a.MediaType == b.MediaType && a.Width == b.Width && a.Height == b.Height && a.PixFmt == b.PixFmt &&
        a.SampleRate == b.SampleRate && a.SampleFmt == b.SampleFmt && a.Channels == b.Channels && a.ChannelMask == b.ChannelMask;

    public override ValueTask DisposeAsync()
    {
        foreach (var (_, frame) in _waiting) frame.Dispose();
        _waiting.Clear();
        _graph?.Dispose();
        return default;
    }
}
