using Microsoft.Extensions.Logging;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Writes packet streams into one output (file, segments, HLS playlist). Creates the output at start (an
/// unwritable path fails before frames flow), writes the header once every input delivered its first packet (or
/// ended empty), then writes packets interleaved by libavformat. Always finalises: on success, fault or
/// cancellation the trailer is written, so a partial output is playable.
/// </summary>
public sealed class MuxNode : Node
{
    internal MuxNode(string path, EncodeOptions options, IReadOnlyList<OutputPort> packetStreams)
    {
        Path = path;
        Options = options;
        foreach (var source in packetStreams)
        {
            var input = AddInput(MediaKind.Packets, $"in{Inputs.Count}");
            input.Source = source;
            source.Consumers.Add(input);
        }
    }

    public string Path { get; }
    public EncodeOptions Options { get; }
    public override string Kind => "mux";

    /// <summary>
    /// Raised once per chunk a segmented output finished (<see cref="EncodeOptions.Format"/> "segment",
    /// "stream_segment" or "hls"; never for other formats), after the chunk's file was closed, so it is complete:
    /// an uploader can ship it without reading FFmpeg's segment list or playlist. Raised on the muxer's thread, in
    /// chunk order, one at a time; the output waits while a handler runs, so queue slow work (an upload) rather than
    /// doing it in the handler. A handler that throws fails the run, naming this node. The last chunk is reported when
    /// the output is finalised (end of input, a drain, an abort or a failure: the chunks written are kept).
    /// </summary>
    public event Action<OutputChunk>? ChunkCompleted;
    internal override bool IsSink => true;

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string> { ["path"] = Path };
        if (Options.Format is { } f) d["format"] = f;
        if (Options.FormatOptions is { } o) foreach (var kv in o) d[kv.Key] = kv.Value;
        return d;
    }

    protected internal override void Validate(ValidationContext context)
    {
        var format = Codecs.GuessOutputFormat(Path, Options.Format, out var problem);
        if (format is null) context.Problem(this, problem!);
        else if (Options.FormatOptions is { } options)
            foreach (var key in options.Keys.Where(k => !Codecs.FormatHasOption(format, k)))
                context.Problem(this, $"the {format} muxer has no option '{key}' (see `ffmpeg -h muxer={format}`)");
        var dir = InputInfo.IsUrl(Path) ? null : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (dir is not null && !Directory.Exists(dir))
            context.Problem(this, $"the folder of output '{Path}' does not exist");
        if (Inputs.Count == 0) context.Problem(this, $"output '{Path}' has no streams to write");
    }

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(MuxNode node) : NodeInstance
    {
        private Muxer? _muxer;
        private int[] _streamOf = [];
        private bool[] _seen = [];
        private readonly List<(int Input, Packet Packet)> _pending = new();
        private long _timestampFixes;
        private NodeContext? _context;

        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            _context = context;
            _muxer = new Muxer(node.Path, node.Options.Format, OptionString.Of(node.Options.FormatOptions), context.NodeName);
            _streamOf = Enumerable.Repeat(-1, node.Inputs.Count).ToArray();
            _seen = new bool[node.Inputs.Count];
            return default;
        }

        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            var packet = (Packet)item;
            if (_muxer!.HeaderWritten)
            {
                using (packet) Write(context, input, packet);
                return default;
            }
            _seen[input] = true;
            _pending.Add((input, packet));
            if (_seen.All(s => s)) WriteHeader(context);
            return default;
        }

        protected internal override ValueTask EndOfInputAsync(NodeContext context, int input, CancellationToken cancellationToken)
        {
            _seen[input] = true;
            if (!_muxer!.HeaderWritten && _seen.All(s => s) && _pending.Count > 0) WriteHeader(context);
            return default;
        }

        protected internal override ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (!_muxer!.HeaderWritten)
            {
                if (_pending.Count == 0 && context.StopRequested.IsCancellationRequested)
                    return default; // the run is stopping (a fault upstream, a cancel): nothing reached this output, no second error
                if (_pending.Count == 0)
                    throw new MediaGraphException(context.NodeName, $"nothing to write to '{node.Path}': every input ended before its first packet");
                WriteHeader(context);
            }
            _muxer.Close();
            ReportChunks(context, throwing: true);
            return default;
        }

        /// <summary>Raises <see cref="ChunkCompleted"/> for the chunks the muxer closed since the last call.</summary>
        private void ReportChunks(NodeContext context, bool throwing)
        {
            if (_muxer!.TakeChunks() is not { } chunks) return;
            foreach (var c in chunks)
            {
                var path = c.Path;
                if (!InputInfo.IsUrl(path))
                {
                    path = System.IO.Path.GetFullPath(path);
                    // hls_flags=temp_file writes "x.ts.tmp" and renames it once closed.
                    if (!File.Exists(path) && path.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(path[..^4])) path = path[..^4];
                }
                var chunk = new OutputChunk(path, c.Index, TimeSpan.FromSeconds(c.Start), TimeSpan.FromSeconds(c.Duration), c.Frames, c.Packets);
                context.Logger.LogDebug("{Node}: chunk {Index} finished: '{Path}' at {Start:0.000} s, {Duration:0.000} s, {Frames} frames",
                    context.NodeName, chunk.Index, chunk.Path, chunk.Start.TotalSeconds, chunk.Duration.TotalSeconds, chunk.Frames);
                try { node.ChunkCompleted?.Invoke(chunk); }
                catch (Exception e) when (!throwing)
                {
                    context.Logger.LogWarning(e, "{Node}: a ChunkCompleted handler threw for '{Path}'", context.NodeName, chunk.Path);
                }
                catch (Exception e)
                {
                    throw new MediaGraphException(context.NodeName, $"a ChunkCompleted handler threw for chunk '{chunk.Path}': {e.Message}", inner: e);
                }
            }
        }

        private void WriteHeader(NodeContext context)
        {
            var muxer = _muxer!;
            // Streams in the order the inputs were given (video before audio, as the user wrote it), not arrival order.
            foreach (var (input, packet) in _pending.OrderBy(p => p.Input))
                if (_streamOf[input] < 0) _streamOf[input] = muxer.AddStream(packet.Parameters.Handle, packet.Parameters.CodecName);
            muxer.WriteHeader();
            for (var i = 0; i < _pending.Count; i++)
            {
                var (input, packet) = _pending[i];
                _pending[i] = default; // handed over: a failed write must not leave it to be released twice
                using (packet) Write(context, input, packet);
            }
            _pending.Clear();
        }

        private void Write(NodeContext context, int input, Packet packet)
        {
            if (_streamOf[input] < 0) return; // a stream that started after the header: not in this output
            _muxer!.Write(packet.Native, packet.TimeBase, _streamOf[input], packet.Pts);
            ReportChunks(context, throwing: true);
            var fixes = _muxer.TimestampFixes;
            if (fixes != _timestampFixes)
            {
                _timestampFixes = fixes;
                context.Warn($"a packet of input {input} did not advance in time at {packet.DescribePosition()}; its dts was moved forward ({fixes} so far)");
            }
        }

        public override ValueTask DisposeAsync()
        {
            if (_muxer is { HeaderWritten: false } && _pending.Count > 0 && _context is { } context)
            {
                // Aborted or failed before every stream's first packet: an output that received any packet is never
                // lost; it is written with the streams that have data (audio muxed while a slow encoder still held
                // its first video frames, say).
                try { WriteHeader(context); }
                catch (MediaGraphException e) { context.Logger.LogWarning("{Node}: could not finalise '{Path}' with the streams that had data: {Message}", context.NodeName, node.Path, e.Message); }
            }
            foreach (var (_, packet) in _pending) packet?.Dispose();
            _pending.Clear();
            if (_muxer is { } muxer)
            {
                try
                {
                    // Cancelled or failed: finalise what was written so the partial output plays.
                    if (muxer.HeaderWritten && !muxer.Closed) muxer.Close();
                    if (_context is { } ctx) ReportChunks(ctx, throwing: false);
                }
                finally
                {
                    muxer.Dispose();
                    // Nothing was written (the run failed before the first packet): leave no unplayable empty file.
                    if (!muxer.HeaderWritten && !InputInfo.IsUrl(node.Path) && File.Exists(node.Path) && new FileInfo(node.Path).Length == 0)
                        File.Delete(node.Path);
                }
            }
            return default;
        }
    }
}
