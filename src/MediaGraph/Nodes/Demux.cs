using Microsoft.Extensions.Logging;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>Which stream of an input an output carries.</summary>
/// <param name="Kind">Video or audio; <see cref="MediaKind.Other"/> with an <paramref name="Index"/> for any stream.</param>
/// <param name="Index">Absolute stream index in the container, or -1.</param>
/// <param name="Nth">With <paramref name="Index"/> -1: the nth stream of the kind, or -1 for FFmpeg's best one.</param>
public readonly record struct StreamSelector(MediaKind Kind, int Index = -1, int Nth = -1)
{
    public override string ToString() => Index >= 0 ? $"stream {Index}" : Nth >= 0 ? $"{Kind.ToString().ToLowerInvariant()} stream {Nth}" : $"best {Kind.ToString().ToLowerInvariant()} stream";

    internal int Resolve(Demuxer demuxer)
    {
        if (Index >= 0) return Index < demuxer.StreamCount ? Index : -1;
        if (Nth < 0) return demuxer.BestStream(Kind);
        var n = 0;
        for (var i = 0; i < demuxer.StreamCount; i++)
            if (demuxer.Describe(i).Kind == Kind && n++ == Nth) return i;
        return -1;
    }
}

/// <summary>
/// Reads an input (file or URL) and emits the compressed packets of the selected streams, one output per stream.
/// Timestamps are shifted so the input starts at 0, as the ffmpeg CLI does (unless
/// <see cref="DecodeOptions.KeepTimestamps"/>); the offset between streams is kept.
/// Emits as fast as its consumers take packets (a file input never drops); completes at end of input; fails with
/// the URL and FFmpeg's reason when the input cannot be opened (or its policy refuses it: see
/// <see cref="DecodeOptions.Protocols"/>) and when a network input times out. A read error once the input is open
/// ends the input as its end would, with a warning, as the ffmpeg CLI does (<see cref="GraphOptions.FailOnDamage"/>:
/// fails). Stop requests and cancellation interrupt a blocking open or read.
/// </summary>
public sealed partial class DemuxNode : Node
{
    private readonly List<StreamSelector> _selectors = new();
    private Demuxer? _prepared; // opened by Validate for the run that follows

    internal override void ReleasePrepared() => Interlocked.Exchange(ref _prepared, null)?.Dispose();

    /// <summary>Opens the input, describes it and keeps it open for the next run (inputs that can be read only once).</summary>
    internal InputInfo ProbeAndKeep()
    {
        var demuxer = _prepared ?? InputPolicy.Open(Url, Options, Name);
        _prepared = demuxer;
        return InputInfo.Describe(demuxer);
    }

    internal DemuxNode(string url, DecodeOptions options)
    {
        Url = url;
        Options = options;
    }

    public override string Kind => "demux";
    /// <summary>How many streams the input has (used or not), as last seen by validation; 0 before. The ffmpeg CLI's
    /// automatic frame-rate policy treats the only stream of an input differently.</summary>
    internal int StreamCount { get; private set; }
    public string Url { get; }
    public DecodeOptions Options { get; }
    public IReadOnlyList<StreamSelector> Selectors => _selectors;
    internal override bool IsImplicit => true;

    /// <summary>The output carrying <paramref name="selector"/>'s packets (made once per selector).</summary>
    internal OutputPort PortFor(StreamSelector selector)
    {
        var i = _selectors.IndexOf(selector);
        if (i >= 0) return Outputs[i];
        _selectors.Add(selector);
        return AddOutput(MediaKind.Packets, selector.Index >= 0 ? $"stream{selector.Index}" : selector.Nth >= 0 ? $"{selector.Kind.ToString().ToLowerInvariant()}{selector.Nth}" : selector.Kind.ToString().ToLowerInvariant());
    }

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string> { ["url"] = Url };
        if (Options.Format is { } f) d["format"] = f;
        if (Options.KeepTimestamps) d["keep_timestamps"] = "true";
        return d;
    }

    protected internal override void Validate(ValidationContext context)
    {
        if (InputInfo.LocalFileProblem(Url) is { } problem)
        {
            context.Problem(this, problem);
            return;
        }
        Demuxer demuxer;
        var probed = Interlocked.Exchange(ref _prepared, null); // opened by a probe (a pipe) or an earlier check
        try { demuxer = probed ?? InputPolicy.Open(Url, Options, Name); }
        catch (MediaGraphException e) { context.Problem(this, e.Cause); return; }
        // Kept for the run: a pipe or a live stream cannot be opened twice, and probing twice costs time.
        var keep = context.ForRun || InputInfo.IsReadOnce(Url);
        using (keep ? null : demuxer)
        {
            if (keep) Interlocked.Exchange(ref _prepared, demuxer)?.Dispose();
            context.SetDuration(demuxer.Duration);
            StreamCount = demuxer.StreamCount;
            for (var i = 0; i < _selectors.Count; i++)
            {
                if (Outputs[i].Consumers.Count == 0) continue;
                var index = _selectors[i].Resolve(demuxer);
                if (index < 0)
                    context.Problem(this, $"'{Url}' has no {_selectors[i]} (it has: {string.Join("; ", demuxer.Streams())})");
                else if (Outputs[i].Consumers.Any(c => c.Node is DecodeNode) && PictureSizeProblem(demuxer.Describe(index), Options) is { } tooLarge)
                    context.Problem(this, $"'{Url}': {tooLarge}");
            }
        }
    }

    /// <summary>Why a video stream is too large to decode under <see cref="DecodeOptions.MaxPixels"/>, or null.</summary>
    internal static string? PictureSizeProblem(StreamDescription stream, DecodeOptions options)
    {
        var pixels = (long)stream.Width * stream.Height;
        if (stream.Kind != MediaKind.Video || options.MaxPixels <= 0 || pixels <= options.MaxPixels) return null;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"stream #{stream.Index} is {stream.Width}x{stream.Height} ({pixels / 1e6:0.0} MPixel), above the limit of {options.MaxPixels / 1e6:0.0} MPixel (DecodeOptions.MaxPixels = {options.MaxPixels}); it is refused before any frame is allocated: raise MaxPixels to decode it");
    }

    /// <summary>
    /// Raised at each step of a live input's connection (<see cref="DecodeOptions.Reconnect"/>): connected,
    /// disconnected with the reason, each reconnect attempt with its delay, reconnected, gave up. Called on the
    /// input's reading thread: keep handlers short. A handler that throws is logged and ignored.
    /// </summary>
    public event Action<InputHealthEvent>? HealthChanged;

    private void Report(NodeContext context, InputHealthEvent e)
    {
        var level = e.Kind is InputHealthKind.Disconnected or InputHealthKind.GaveUp ? LogLevel.Warning : LogLevel.Information;
        if (context.Logger.IsEnabled(level)) context.Logger.Log(level, "{Event}", e.ToString());
        try { HealthChanged?.Invoke(e); }
        catch (Exception handlerFailure) { context.Logger.LogWarning(handlerFailure, "{Node}: a HealthChanged handler failed", context.NodeName); }
    }

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed partial class Instance(DemuxNode node) : NodeInstance
    {
        private Demuxer? _demuxer;
        private int[] _outputOf = [];
        private StreamParameters?[] _parameters = [];
        private long[] _offset = [];
        private bool _discontinuous;          // MPEG-TS/PS: timestamps may jump (a camera restarting, files joined)
        private long _jumpOffsetUs;           // what discontinuities added so far, for every stream (microseconds)
        private long[] _nextDtsUs = [];       // where each stream's next dts is expected (microseconds)

        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var demuxer = Interlocked.Exchange(ref node._prepared, null)
                ?? InputPolicy.Open(node.Url, node.Options, context.NodeName, cancellationToken);
            try { Attach(context, demuxer); }
            catch
            {
                demuxer.Dispose();
                throw;
            }
            StartSupervising(context, demuxer);
            if (context.Logger.IsEnabled(LogLevel.Information))
                context.Logger.LogInformation("{Node}: opened '{Url}' ({Format}): {Streams}", context.NodeName, node.Url, demuxer.FormatName,
                    string.Join("; ", Enumerable.Range(0, demuxer.StreamCount).Select(i => (_outputOf[i] >= 0 ? "" : "unused ") + demuxer.Describe(i))));
            return default;
        }

        /// <summary>Makes <paramref name="demuxer"/> the open input: maps its streams to the outputs (throws naming a
        /// selected stream it lacks) and sets the shift that starts it at 0.</summary>
        private void Attach(NodeContext context, Demuxer demuxer)
        {
            var outputOf = Enumerable.Repeat(-1, demuxer.StreamCount).ToArray();
            var parameters = new StreamParameters?[demuxer.StreamCount];
            var offset = new long[demuxer.StreamCount];
            var start = demuxer.StartTime;
            for (var o = 0; o < node._selectors.Count; o++)
            {
                var index = node._selectors[o].Resolve(demuxer);
                if (index < 0) throw new MediaGraphException(context.NodeName, $"'{node.Url}' has no {node._selectors[o]}");
                outputOf[index] = o;
                var p = parameters[index];
                if (p is null)
                {
                    p = parameters[index] = demuxer.Parameters(index);
                    context.DisposeAtEndOfRun(p); // packets in flight refer to them, also after a reconnect
                }
                offset[index] = node.Options.KeepTimestamps || start == Timestamp.None ? 0 : Rational.Rescale(-start, Rational.Microseconds, p.TimeBase);
            }
            _demuxer = demuxer;
            _outputOf = outputOf;
            _parameters = parameters;
            _offset = offset;
            _nextDtsUs = Enumerable.Repeat(Timestamp.None, demuxer.StreamCount).ToArray();
            _discontinuous = !node.Options.KeepTimestamps && demuxer.TimestampsMayJump;
        }

        protected internal override async Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var packet = context.RentPacket();
            try
            {
                while (!context.StopRequested.IsCancellationRequested && !context.AllOutputsClosed)
                {
                    var demuxer = _demuxer!;
                    string? lost = null;
                    // Registrations end (waiting for a running callback) before a lost input's demuxer is freed.
                    using (context.StopRequested.Register(demuxer.Interrupt))
                    using (cancellationToken.Register(demuxer.Interrupt))
                    {
                        while (!context.StopRequested.IsCancellationRequested && !context.AllOutputsClosed)
                        {
                            bool more;
                            PacketInfo info;
                            try { more = demuxer.Read(packet.Native, out info, context.NodeName); }
                            catch (MediaGraphException e) when (e.ErrorCode == NativeStatus.Exit) { break; }
                            catch (MediaGraphException e) when (_reconnect)
                            {
                                lost = e.Cause;
                                break;
                            }
                            catch (MediaGraphException e) when (e.ErrorCode != NativeStatus.TimedOut)
                            {
                                // As the ffmpeg CLI (process_input): a read error ends the input as its end would, so what was
                                // read is decoded, flushed and written; strict mode fails instead. A timeout stays a failure.
                                context.Damaged($"the input ends early: {e.Cause}");
                                break;
                            }
                            if (!more)
                            {
                                if (_reconnect) lost = "the live stream ended (the camera or server closed it)";
                                break;
                            }
                            var output = info.StreamIndex < _outputOf.Length ? _outputOf[info.StreamIndex] : -1;
                            if (output < 0 || context.IsOutputClosed(output)) continue;
                            if (!Timed(context, packet.Native, ref info, output)) continue;
                            var parameters = _parameters[info.StreamIndex]!;
                            packet.SetFrom(in info, parameters, parameters.TimeBase);
                            await context.EmitAsync(output, packet, cancellationToken).ConfigureAwait(false);
                            _health?.ItemEmitted();
                            packet = context.RentPacket();
                        }
                    }
                    if (lost is null || context.StopRequested.IsCancellationRequested || context.AllOutputsClosed) break;
                    if (!await ReconnectAsync(context, lost, cancellationToken).ConfigureAwait(false)) break;
                }
            }
            finally
            {
                packet.Dispose();
            }
        }

        /// <summary>Shifts the packet in <paramref name="info"/> (start at 0, discontinuities, a reconnect's
        /// continuation) and writes its timing back; false when it is skipped (video after a reconnect before its
        /// first key frame).</summary>
        private bool Timed(NodeContext context, nint native, ref PacketInfo info, int output)
        {
            var parameters = _parameters[info.StreamIndex]!;
            if (_reconnect && !KeepOrSkip(info, output)) return false;
            var offset = _offset[info.StreamIndex];
            if (_resumeAtUs != Timestamp.None) ContinueFrom(info, parameters.TimeBase, offset);
            if (_jumpOffsetUs != 0) offset += Rational.Rescale(_jumpOffsetUs, Rational.Microseconds, parameters.TimeBase);
            if (offset != 0) Shift(ref info, offset);
            if (_discontinuous) FollowDiscontinuities(context, ref info, parameters.TimeBase);
            if (offset != 0 || _discontinuous) NativeMethods.mg_packet_set_timing(native, info.Pts, info.Dts, info.Duration);
            if (_reconnect) RememberEnd(info, parameters);
            return true;
        }

        private static void Shift(ref PacketInfo info, long ticks)
        {
            if (info.Pts != Timestamp.None) info.Pts += ticks;
            if (info.Dts != Timestamp.None) info.Dts += ticks;
        }

        /// <summary>Like the ffmpeg CLI: a dts more than 10 s away from where the stream was expected is a
        /// discontinuity, not a gap; every stream is shifted by it so the output stays continuous.</summary>
        private void FollowDiscontinuities(NodeContext context, ref PacketInfo info, Rational timeBase)
        {
            if (info.Dts == Timestamp.None) return;
            var dtsUs = Rational.Rescale(info.Dts, timeBase, Rational.Microseconds);
            ref var next = ref _nextDtsUs[info.StreamIndex];
            if (next != Timestamp.None && Math.Abs(dtsUs - next) > 10_000_000)
            {
                var delta = dtsUs - next;
                _jumpOffsetUs -= delta;
                Shift(ref info, -Rational.Rescale(delta, Rational.Microseconds, timeBase));
                dtsUs -= delta;
                context.Warn($"timestamps jump by {delta / 1e6:0.###} s in stream {info.StreamIndex}; shifted to stay continuous");
            }
            next = dtsUs + (info.Duration > 0 ? Rational.Rescale(info.Duration, timeBase, Rational.Microseconds) : 0);
        }

        public override ValueTask DisposeAsync()
        {
            _demuxer?.Dispose();
            return default;
        }
    }
}
