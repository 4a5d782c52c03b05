using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// An app's own per-item work (OCR on each frame, an upload, a database write) timed into the run's
/// <see cref="GraphMetrics"/>, as a row of <see cref="GraphMetrics.Summary"/> next to the nodes: in (items begun),
/// out (items completed), fps, busy %, latency average / last 100 / min–max, and errors (items that failed). The loop
/// reading an <see cref="AppSink{T}"/> gets one automatically; make others with <see cref="GraphMetrics.Stage"/>.
/// Thread-safe: items may be timed from several threads at once.
/// </summary>
/// <example>
/// <code>
/// var ocr = graph.Metrics!.Stage("ocr");
/// using (var work = ocr.Begin())
/// {
///     RunOcr(frame);
///     work.Complete(); // not reached when RunOcr throws: the item counts as an error
/// }
/// </code>
/// </example>
public sealed class AppStage
{
    private readonly Lock _lock = new();

    internal AppStage(NodeMetrics metrics) => Metrics = metrics;

    /// <summary>The stage's row name in the summary.</summary>
    public string Name => Metrics.Node;

    /// <summary>The stage's counters (kind "app"): <see cref="NodeMetrics.FramesIn"/> items begun,
    /// <see cref="NodeMetrics.FramesOut"/> items completed, <see cref="NodeMetrics.Errors"/> items failed.</summary>
    public NodeMetrics Metrics { get; }

    /// <summary>Starts timing one item. Call <see cref="Scope.Complete"/> when it succeeded; disposing the scope
    /// without completing it (an exception left the block) counts the item as an error.</summary>
    public Scope Begin()
    {
        Metrics.CountIn();
        return new Scope(this, Stopwatch.GetTimestamp());
    }

    /// <summary>Times <paramref name="work"/> as one item; an exception it throws counts as an error and is rethrown.</summary>
    public async ValueTask TimeAsync(Func<ValueTask> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Begin();
        await work().ConfigureAwait(false);
        scope.Complete();
    }

    /// <summary>Records one item that took <paramref name="elapsedTicks"/> (<see cref="Stopwatch"/> ticks).</summary>
    internal void Record(long elapsedTicks, bool failed)
    {
        lock (_lock) Metrics.AddWork(elapsedTicks);
        if (failed) Metrics.CountError();
        else Metrics.CountOut();
    }

    /// <summary>One item being timed: <see cref="Complete"/> it on success, dispose it in any case.</summary>
    public struct Scope : IDisposable
    {
        private readonly AppStage? _stage;
        private readonly long _start;
        private bool _done;

        internal Scope(AppStage stage, long start)
        {
            _stage = stage;
            _start = start;
            _done = false;
        }

        /// <summary>The item succeeded: records its time. Later calls and the dispose do nothing.</summary>
        public void Complete() => End(failed: false);

        /// <summary>Records the item as failed unless <see cref="Complete"/> was called.</summary>
        public void Dispose() => End(failed: true);

        private void End(bool failed)
        {
            if (_done || _stage is null) return;
            _done = true;
            _stage.Record(Stopwatch.GetTimestamp() - _start, failed);
        }
    }
}
