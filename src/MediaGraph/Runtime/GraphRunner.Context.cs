using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MediaGraph.Interop;

namespace MediaGraph;

internal sealed partial class GraphRunner
{
    /// <summary>What a running node uses: its edges, its wakeups, its stop token and wake-up deadline; emitting
    /// with backpressure and fan-out.</summary>
    private sealed class RunNodeContext : NodeContext
    {
        [ThreadStatic] public static RunNodeContext? Current;

        /// <summary>FFmpeg's log of the native objects this node opened: drained between items.</summary>
        public NativeLog? FfmpegLog;

        private readonly GraphRunner _runner;
        private readonly CancellationTokenSource _stop = new();
        private Edge[][] _outputs;
        private readonly bool[] _outputClosed;
        private int _openOutputs;
        private long _blocked;
        private long _wakeUp = long.MaxValue;
        private bool _prepared;
        private MediaItem?[] _branches = [];
        private bool _ended;
        private Timer? _timer;
        // The frame timeline (GraphOptions.Trace): null when the run is not traced, and then nothing below records.
        private readonly NodeTrace? _trace;
        private long _lastEmit;       // a traced source: when its previous emit returned
        private bool _emittedOnDevice; // a traced node emitted a device frame during the current piece of work

        public RunNodeContext(GraphRunner runner, Node node, NodeMetrics metrics, NodeTrace? trace = null)
            : base(node.Name, metrics, runner._logger, runner._pools, runner._options.FailOnDamage)
        {
            _runner = runner;
            _trace = trace;
            Inputs = new Edge[node.Inputs.Count];
            _outputs = new Edge[node.Outputs.Count][];
            for (var i = 0; i < _outputs.Length; i++) _outputs[i] = [];
            _outputClosed = new bool[node.Outputs.Count];
            var inputs = Inputs;
            metrics.SetQueueDepth(() => { var n = 0; foreach (var e in inputs) n += e?.Count ?? 0; return n; });
        }

        /// <summary>Set by every input edge on a write, an end, or a writer starting to wait.</summary>
        public Wakeup InputWakeup { get; } = new();
        /// <summary>Set by every output edge when it gets room, and when its consumer leaves.</summary>
        public Wakeup OutputWakeup { get; } = new();
        public Edge[] Inputs { get; }
        public bool InputsStopped { get; private set; }
        public override CancellationToken StopRequested => _stop.Token;
        public override int QueuedInputItems { get { var n = 0; foreach (var e in Inputs) n += e?.Count ?? 0; return n; } }
        public override bool IsOutputClosed(int output) => Volatile.Read(ref _outputClosed[output]);
        public override bool AllOutputsClosed => _outputs.Length > 0 && Volatile.Read(ref _openOutputs) == 0;


        public void SetInput(int index, Edge edge) => Inputs[index] = edge;

        public override AppStage? Stage(string name) => _runner.Metrics.Stage(name);

        /// <summary>True when the instance was made with output <paramref name="output"/> (a node may gain outputs in
        /// the blueprint later, which its running instance does not produce).</summary>
        public bool Produces(int output) => output < _outputs.Length;

        /// <summary>Counts the open outputs once the run's edges are made: an output nobody consumes is closed.</summary>
        public void Prepare()
        {
            _prepared = true;
            for (var i = 0; i < _outputs.Length; i++)
                if (_outputs[i].Length == 0) _outputClosed[i] = true;
            _openOutputs = _outputClosed.Count(c => !c);
        }

        /// <summary>Fires <see cref="StopRequested"/> (its callbacks only interrupt blocking reads).</summary>
        public void RequestStop() => _stop.Cancel();

        /// <summary>One more consumer of <paramref name="output"/> (a branch joining a running node).</summary>
        public void AddOutputEdge(int output, Edge edge)
        {
            lock (this)
            {
                _outputs[output] = [.. _outputs[output], edge];
                if (_prepared && _outputClosed[output])
                {
                    Volatile.Write(ref _outputClosed[output], false);
                    _openOutputs++;
                }
            }
        }

        /// <summary>A consumer of <paramref name="output"/> leaves (a branch removed while this node runs on).</summary>
        public void RemoveOutputEdge(int output, Edge edge)
        {
            lock (this) _outputs[output] = _outputs[output].Where(e => e != edge).ToArray();
            CloseOutputIfUnread(output);
        }

        public override void StopInputs()
        {
            InputsStopped = true;
            CloseInputs();
        }

        public void CloseInputs()
        {
            foreach (var e in Inputs) e?.Abandon();
        }

        public void CompleteOutputs()
        {
            Edge[][] outputs;
            lock (this) outputs = _outputs;
            foreach (var list in outputs)
                foreach (var e in list) e.Complete();
        }

        public override void RequestWakeUp(TimeSpan after)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(after, TimeSpan.Zero);
            var at = Stopwatch.GetTimestamp() + (long)(after.TotalSeconds * Stopwatch.Frequency);
            Volatile.Write(ref _wakeUp, at);
            InputWakeup.Set(); // a loop already asleep recomputes its deadline
        }

        public override void CancelWakeUp() => Volatile.Write(ref _wakeUp, long.MaxValue);

        /// <summary>The node ended: its wake-up timer (if any) goes with it.</summary>
        public void EndOfRun()
        {
            lock (this)
            {
                _ended = true;
                _timer?.Dispose();
                _timer = null;
            }
        }

        public long WakeUpDeadline => Volatile.Read(ref _wakeUp);

        public bool WakeUpDue()
        {
            var at = Volatile.Read(ref _wakeUp);
            return at != long.MaxValue && Stopwatch.GetTimestamp() >= at;
        }

        private bool Dedicated => Current == this;

        /// <summary>Waits for a node method that did not complete at once (a node awaiting its app, say): on the
        /// node's own thread by blocking it, so the loop stays there; elsewhere by awaiting. Node methods that only
        /// emit complete at once on a dedicated thread, because emitting waits by blocking.</summary>
        public ValueTask Settle(ValueTask task)
        {
            if (task.IsCompletedSuccessfully || !Dedicated) return task;
            task.AsTask().GetAwaiter().GetResult();
            return default;
        }

        /// <inheritdoc cref="Settle(ValueTask)"/>
        public ValueTask Settle(Task task)
        {
            if (task.IsCompletedSuccessfully) return default;
            if (!Dedicated) return new ValueTask(task);
            task.GetAwaiter().GetResult();
            return default;
        }

        /// <summary>Sleeps until an input edge changes or the wake-up deadline passes.</summary>
        public ValueTask WaitForInputAsync()
        {
            var deadline = WakeUpDeadline;
            if (Dedicated)
            {
                InputWakeup.Wait(deadline);
                return default;
            }
            if (deadline != long.MaxValue)
            {
                // A loop on the thread pool has no thread to block with a deadline: a one-shot timer wakes it (armed
                // at every wait, so a timer that fires a little early is armed again). The timer is the node's and
                // is disposed when the node ends.
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                lock (this)
                {
                    if (!_ended)
                    {
                        _timer ??= new Timer(static state => ((Wakeup)state!).Set(), InputWakeup, Timeout.Infinite, Timeout.Infinite);
                        _timer.Change(left > TimeSpan.Zero ? left + TimeSpan.FromMilliseconds(1) : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                    }
                }
            }
            return InputWakeup.WaitAsync();
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask WakeUpAsync(NodeInstance instance, CancellationToken hard)
        {
            Volatile.Write(ref _wakeUp, long.MaxValue);
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            _emittedOnDevice = false;
            await Settle(instance.OnWakeUpAsync(this, hard)).ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            Metrics.AddBusy(end - start - _blocked);
            if (_trace is not null) TraceControl(TraceWork.WakeUp, start, end, -1);
            if (AllOutputsClosed) StopInputs();
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask ProcessOneAsync(NodeInstance instance, int input, MediaItem item, EdgeStamp stamp, CancellationToken hard)
        {
            Metrics.CountIn(item);
            Metrics.SetPosition(item);
            // Read before the instance owns the item (it may release it): what the timeline says about it.
            var traced = _trace is null ? default : Describe(item, input, stamp);
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            _emittedOnDevice = false;
            var done = false;
            long end;
            try
            {
                await Settle(instance.ProcessAsync(this, input, item, hard)).ConfigureAwait(false);
                done = true;
            }
            catch (MediaGraphException e) when (e.Position is null)
            {
                throw new MediaGraphException(NodeName, e.Cause, e.ErrorCode, item.DescribePosition(), e.InnerException);
            }
            finally
            {
                FfmpegLog?.Drain();
                // One clock read ends the work for both the metrics and the timeline.
                end = Stopwatch.GetTimestamp();
                if (_trace is not null) TraceItem(ref traced, start, end, TraceWork.Item, failed: !done);
            }
            FfmpegLog?.TakeError(); // an error FFmpeg logged for an item that went through was damage skipped, not a reason to quote later
            Metrics.AddWork(end - start - _blocked);
            if (AllOutputsClosed) StopInputs(); // nobody downstream reads: tell upstream, so sources can end
        }

        /// <summary>Runs the node's flush, counting it as busy time.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask FinishAsync(NodeInstance instance, CancellationToken hard)
        {
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            _emittedOnDevice = false;
            try { await Settle(instance.FinishAsync(this, hard)).ConfigureAwait(false); }
            finally { FfmpegLog?.Drain(); }
            var end = Stopwatch.GetTimestamp();
            Metrics.AddBusy(end - start - _blocked);
            if (_trace is not null) TraceControl(TraceWork.Flush, start, end, -1);
        }

        /// <summary>Tells the instance that input <paramref name="input"/> ended (traced as "end of input").</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask EndOfInputAsync(NodeInstance instance, int input, CancellationToken hard)
        {
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            _emittedOnDevice = false;
            await Settle(instance.EndOfInputAsync(this, input, hard)).ConfigureAwait(false);
            if (_trace is not null) TraceControl(TraceWork.EndOfInput, start, Stopwatch.GetTimestamp(), input);
        }

        // ---- the frame timeline (only when the run is traced) ----

        /// <summary>A source starts producing: its first item's work starts now.</summary>
        public void SourceStarting() => _lastEmit = Stopwatch.GetTimestamp();

        /// <summary>What the timeline records of <paramref name="item"/>, read while this node may still read it.</summary>
        private TraceEvent Describe(MediaItem item, int input, EdgeStamp stamp) => new()
        {
            Pts = item.Pts,
            TimeBase = item.TimeBase,
            Item = TraceEvent.KindOf(item),
            OnDevice = item is VideoFrame { Device: not null },
            Edge = input < Inputs.Length && Inputs[input] is { } edge ? (short)edge.TraceId : (short)-1,
            Port = (short)input,
            Enqueued = stamp.Enqueued,
            Sequence = stamp.Sequence,
        };

        /// <summary>Completes <paramref name="e"/> with the work's times and stores it in the node's ring.</summary>
        private void TraceItem(ref TraceEvent e, long start, long end, TraceWork work, bool failed = false)
        {
            e.Start = start;
            e.End = end;
            e.Blocked = _blocked;
            e.Work = work;
            e.Failed = failed;
            // Where the work ran: where what it emitted lives, or else where its input did (an encoder of host frames).
            e.OnDevice |= _emittedOnDevice;
            _trace!.Record(in e);
        }

        private void TraceControl(TraceWork work, long start, long end, int port)
        {
            var e = new TraceEvent { Pts = Timestamp.None, Edge = -1, Port = (short)port };
            TraceItem(ref e, start, end, work);
        }

        public override ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            if (_trace is null) return EmitCoreAsync(output, item, cancellationToken);
            var onDevice = item is VideoFrame { Device: not null };
            _emittedOnDevice |= onDevice;
            if (Inputs.Length != 0) return EmitCoreAsync(output, item, cancellationToken);

            // A traced source's emit: its piece of work is from its previous emit's return to this one's (the item's
            // making, and its waiting for room downstream, counted as blocked). Read before the item is handed on.
            var e = new TraceEvent { Pts = item.Pts, TimeBase = item.TimeBase, Item = TraceEvent.KindOf(item), OnDevice = onDevice, Edge = -1, Port = (short)output };
            var start = _lastEmit;
            _blocked = 0;
            _emittedOnDevice = false;
            ValueTask write;
            try { write = EmitCoreAsync(output, item, cancellationToken); }
            catch { RecordProduce(ref e, start); throw; }
            if (!write.IsCompleted) return TracedSourceEmitAsync(write, e, start);
            try { write.GetAwaiter().GetResult(); }
            finally { RecordProduce(ref e, start); }
            return default;
        }

        /// <summary>A traced source's emit that waits (an edge full, on the thread pool).</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask TracedSourceEmitAsync(ValueTask write, TraceEvent e, long start)
        {
            try { await write.ConfigureAwait(false); }
            finally { RecordProduce(ref e, start); }
        }

        /// <summary>This emit's return ends the source's work on this item and starts its work on the next: one
        /// clock read for both.</summary>
        private void RecordProduce(ref TraceEvent e, long start)
        {
            var end = Stopwatch.GetTimestamp();
            TraceItem(ref e, start == 0 ? end : start, end, TraceWork.Produce);
            _lastEmit = end;
        }

        private ValueTask EmitCoreAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _outputClosed[output])) { item.Dispose(); return default; }
            FfmpegLog?.Drain(); // a source's lines (a demuxer's) reach the log as it produces
            Metrics.CountOut();
            var edges = Volatile.Read(ref _outputs[output]);
            if (edges.Length == 1)
            {
                var edge = edges[0];
                return edge.TryWrite(item) ? default : WriteWaitingAsync(output, edge, item);
            }
            if (edges.Length == 0) { item.Dispose(); return default; }
            return FanOutAsync(output, edges, item);
        }

        /// <summary>Waits until <paramref name="edge"/> has room or its consumer left. On the node's own thread the
        /// wait blocks that thread, so this completes before it returns.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask WriteWaitingAsync(int output, Edge edge, MediaItem item)
        {
            var start = Stopwatch.GetTimestamp();
            edge.BeginWaitingToWrite();
            try
            {
                while (!edge.TryWrite(item))
                {
                    if (edge.IsClosed)
                    {
                        item.Dispose();
                        CloseOutputIfUnread(output);
                        break;
                    }
                    await WaitForRoomAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                edge.EndWaitingToWrite();
                var waited = Stopwatch.GetTimestamp() - start;
                _blocked += waited;
                Metrics.AddBlocked(waited);
            }
        }

        private ValueTask WaitForRoomAsync()
        {
            if (!Dedicated) return OutputWakeup.WaitAsync();
            OutputWakeup.Wait();
            return default;
        }

        /// <summary>Fan-out: every open consumer gets an item of its own over the same buffers
        /// (<see cref="MediaItem.ShareForBranch"/>: no pixel copy), so one branch's <c>MakeWritable</c> and metadata
        /// never reach the other. The shares are made before the first write: once written, an item belongs to its
        /// consumer. (A node never emits twice at once, so one buffer of branches serves.)</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask FanOutAsync(int output, Edge[] edges, MediaItem item)
        {
            if (_branches.Length < edges.Length) _branches = new MediaItem?[edges.Length];
            var first = -1;
            for (var i = 0; i < edges.Length; i++)
            {
                if (edges[i].IsClosed) continue;
                if (first < 0) first = i;
                else _branches[i] = item.ShareForBranch();
            }
            if (first >= 0) _branches[first] = item;
            else item.Dispose();

            var closed = false;
            for (var i = 0; i < edges.Length; i++)
            {
                if (_branches[i] is not { } branch) { closed = true; continue; }
                _branches[i] = null;
                if (!edges[i].TryWrite(branch)) await WriteWaitingAsync(output, edges[i], branch).ConfigureAwait(false);
            }
            if (closed) CloseOutputIfUnread(output);
        }

        /// <summary>Marks <paramref name="output"/> closed once none of its consumers reads any more.</summary>
        private void CloseOutputIfUnread(int output)
        {
            lock (this)
            {
                if (_outputClosed[output] || _outputs[output].Any(e => !e.IsClosed)) return;
                Volatile.Write(ref _outputClosed[output], true);
                if (--_openOutputs == 0 && _outputs.Length > 0)
                    Logger.LogDebug("{Node}: every consumer is gone", NodeName);
            }
        }
    }
}
