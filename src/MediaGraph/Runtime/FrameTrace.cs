namespace MediaGraph;

/// <summary>
/// A frame timeline of a run (BMF's trace tool): every item's passage through every node — how long it waited on
/// the node's input edge, when the node started and ended its work on it, the device that work ran on, the item's
/// pts and the stream it came on — written when the run ends as Chrome trace-event JSON, which Perfetto
/// (ui.perfetto.dev) and chrome://tracing open. Each node is a thread of its own ("M" metadata names it after the
/// node); each piece of work is a complete event ("ph":"X", µs); an arrow (a flow event) joins the producer's work
/// that emitted an item to the consumer's work on it, so one frame can be followed from the demuxer to the muxer.
/// </summary>
/// <remarks>
/// Off unless <see cref="GraphOptions.Trace"/> is set; then every node records into a ring of its own (at most
/// <see cref="MaxEventsPerNode"/> events of 64 bytes, no lock), grown in chunks of 1,024 events (64 KB) as the node reaches them,
/// so a short run allocates for what it recorded, not for the bound, and a full ring allocates nothing more. A node
/// that does more work than that keeps its latest events and the file says how many it dropped (an instant event
/// "trace events dropped" on its thread, and <see cref="Dropped"/>). The file is written once, when the run ends
/// (completed, failed or cancelled), streamed from the rings thread by thread in time order (nothing is gathered or
/// sorted first); the path is opened when the run starts, so a path that cannot be written fails the run before the
/// first frame moves. One <see cref="FrameTrace"/> serves one run at a time; each run rewrites it.
/// </remarks>
/// <example><code>
/// var graph = new Graph(new GraphOptions { Trace = new FrameTrace("trace.json") });
/// </code></example>
public sealed class FrameTrace
{
    private readonly Stream? _stream;
    private readonly int _maxEvents = 32_768;

    /// <summary>Writes the timeline to the file <paramref name="path"/> (replaced at each run).</summary>
    public FrameTrace(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>Writes the timeline to <paramref name="stream"/> at the end of each run (flushed, left open).</summary>
    public FrameTrace(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("the trace stream must be writable", nameof(stream));
        _stream = stream;
    }

    /// <summary>The file written, or null for a stream.</summary>
    public string? Path { get; }

    /// <summary>Events each node keeps (a ring: past it, the oldest are dropped and counted). 64 bytes an event,
    /// allocated in chunks of 1,024 as the node records them. Default 32768 (at most 2 MB a node; 20 minutes of
    /// 25 fps video).</summary>
    public int MaxEventsPerNode
    {
        get => _maxEvents;
        init { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); _maxEvents = value; }
    }

    /// <summary>Events written by the last run (metadata and flow events included).</summary>
    public long Events { get; internal set; }

    /// <summary>Events the last run dropped because a node did more than <see cref="MaxEventsPerNode"/> pieces of work.</summary>
    public long Dropped { get; internal set; }

    /// <summary>Opens where the run's trace goes (at the start of the run).</summary>
    internal Stream Open(string runner)
    {
        if (_stream is not null) return new KeepOpenStream(_stream);
        try
        {
            var full = System.IO.Path.GetFullPath(Path!);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            // Unbuffered: the trace's writer hands it 1 MB at a time from a buffer of its own.
            return new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new MediaGraphException(runner, $"cannot write the trace '{Path}': {e.Message}", inner: e);
        }
    }

    /// <summary>The user's stream: flushed, never closed, by the run.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        protected override void Dispose(bool disposing) => inner.Flush();
    }
}
