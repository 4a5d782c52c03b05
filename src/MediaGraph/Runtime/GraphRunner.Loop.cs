using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MediaGraph.Interop;

namespace MediaGraph;

// A node's loop: start, read its inputs (or produce, for a source), flush, dispose.
internal sealed partial class GraphRunner
{
    private async Task RunNodeAsync(Node node, RunNodeContext context)
    {
        NodeInstance? instance = null;
        var hard = _hard.Token;
        // FFmpeg's lines about the native objects this node opens go to this node (and its errors quote only them);
        // freed after the instance, so the last lines of its flush and close are forwarded too.
        using var ffmpegLog = NativeLog.Create(_ffmpegLogger, node.Name, () => context.Metrics.PositionSeconds);
        NativeLog.Enter(ffmpegLog);
        context.FfmpegLog = ffmpegLog;
        try
        {
            instance = node.CreateInstance();
            await context.Settle(instance.StartAsync(context, hard)).ConfigureAwait(false);
            if (node.Inputs.Count == 0)
            {
                context.SourceStarting();
                await context.Settle(instance.RunSourceAsync(context, hard)).ConfigureAwait(false);
            }
            else
                await PumpAsync(instance, context, hard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested || context.StopRequested.IsCancellationRequested)
        {
            // Stopped: not a fault of this node.
        }
        catch (Exception e)
        {
            context.Metrics.CountError();
            RecordFault(node, e);
        }
        finally
        {
            context.CloseInputs();
            context.CompleteOutputs();
            if (instance is not null)
            {
                try { await context.Settle(instance.DisposeAsync()).ConfigureAwait(false); }
                catch (Exception e) { context.Metrics.CountError(); RecordFault(node, e); }
            }
            context.EndOfRun();
        }
    }

    /// <summary>
    /// Reads the inputs until all have ended, one item at a time, never re-entering the instance. With several
    /// inputs, reads first those the node wants (<see cref="NodeInstance.IsInputWanted"/>) and leaves the others'
    /// edges full, so backpressure holds their producers (a concat does not queue its second file while it plays
    /// the first). When nothing wanted is there and a producer waits on a full unwanted edge that shares an upstream
    /// node with a wanted input, one item is taken from it at once: that producer (one demuxer feeding both) may be
    /// what the wanted input waits for, and the graph must never deadlock. No polling: the node sleeps until an edge
    /// changes or its wake-up deadline (<see cref="NodeContext.RequestWakeUp"/>) passes. On a dedicated thread every
    /// wait blocks that thread, so this method never actually suspends there.
    /// </summary>
    private static async Task PumpAsync(NodeInstance instance, RunNodeContext context, CancellationToken hard)
    {
        var edges = context.Inputs;
        var count = edges.Length;
        var several = count > 1;
        var ended = new bool[count];
        var wanted = new bool[count];
        Array.Fill(wanted, true);
        var related = several ? SharedUpstream(edges) : null;
        var open = count;
        var relieve = -1;
        while (open > 0 && !context.InputsStopped)
        {
            if (context.WakeUpDue())
            {
                await context.WakeUpAsync(instance, hard).ConfigureAwait(false);
                continue;
            }
            if (several)
            {
                var anyWanted = false;
                for (var i = 0; i < count; i++) anyWanted |= wanted[i] = !ended[i] && instance.IsInputWanted(i);
                if (!anyWanted) for (var i = 0; i < count; i++) wanted[i] = !ended[i];
            }

            var progressed = false;
            for (var i = 0; i < count && !context.InputsStopped; i++)
            {
                if (ended[i]) continue;
                var edge = edges[i];
                if ((wanted[i] || relieve == i) && edge.TryRead(out var item, out var stamp))
                {
                    progressed = true;
                    relieve = -1;
                    await context.ProcessOneAsync(instance, i, item, stamp, hard).ConfigureAwait(false);
                }
                else if (edge.IsEnded)
                {
                    ended[i] = true;
                    open--;
                    progressed = true;
                    hard.ThrowIfCancellationRequested();
                    await context.EndOfInputAsync(instance, i, hard).ConfigureAwait(false);
                }
            }
            if (progressed || open == 0) continue;
            if (several && (relieve = FindRelief(edges, ended, wanted, related!)) >= 0) continue;
            await context.WaitForInputAsync().ConfigureAwait(false);
        }
        hard.ThrowIfCancellationRequested();
        // Also after StopInputs: an encoder or muxer downstream of a reader that left still finalises.
        await context.FinishAsync(instance, hard).ConfigureAwait(false);
    }

    /// <summary>An unwanted input whose producer waits on it while that producer also feeds a wanted input (through
    /// a shared upstream node): reading it is what lets the wanted input fill. -1 when there is none.</summary>
    private static int FindRelief(Edge[] edges, bool[] ended, bool[] wanted, bool[,] related)
    {
        for (var i = 0; i < edges.Length; i++)
        {
            if (ended[i] || wanted[i] || !edges[i].WriterWaiting) continue;
            for (var w = 0; w < edges.Length; w++)
                if (wanted[w] && !ended[w] && related[i, w]) return i;
        }
        return -1;
    }

    /// <summary>Which inputs share an upstream node (one demuxer feeding both, a split): only those can block each other.</summary>
    private static bool[,] SharedUpstream(Edge[] edges)
    {
        static HashSet<Node> Upstream(Node node)
        {
            var seen = new HashSet<Node>();
            var stack = new Stack<Node>([node]);
            while (stack.TryPop(out var n))
                if (seen.Add(n))
                    foreach (var input in n.Inputs)
                        if (input.Source is { } source) stack.Push(source.Node);
            return seen;
        }
        var upstream = edges.Select(e => Upstream(e.From.Node)).ToArray();
        var related = new bool[edges.Length, edges.Length];
        for (var i = 0; i < edges.Length; i++)
            for (var j = 0; j < edges.Length; j++)
                related[i, j] = upstream[i].Overlaps(upstream[j]);
        return related;
    }
}
