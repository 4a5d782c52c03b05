using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MediaGraph.Interop;

namespace MediaGraph;

public sealed partial class DemuxNode
{
    /// <summary>The supervision of a live input (DESIGN decision 9): a lost input is opened again with exponential
    /// backoff, its timestamps continue where the last session stopped, video resumes at a key frame, and each step
    /// is an event (<see cref="HealthChanged"/>) and a number (<see cref="NodeMetrics.Health"/>).</summary>
    private sealed partial class Instance
    {
        private bool _reconnect;
        private SourceHealth? _health;
        private long _resumeAtUs = Timestamp.None;  // after a reconnect: where the new session's first packet goes
        private long _lastEndUs = Timestamp.None;   // the end (dts + duration) of the latest packet out, microseconds
        private bool[] _sawKeyFlags = [];           // per output: the input marks key frames (so waiting for one ends)
        private bool[] _awaitKey = [];              // per output: skip until a key frame (a reconnect's first GOP)
        private double _framesPerSecond;            // of the first video output, for the frames-lost estimate

        /// <summary>Decides whether this run reconnects (<see cref="DecodeOptions.Reconnect"/>) and reports the first
        /// connection.</summary>
        private void StartSupervising(NodeContext context, Demuxer demuxer)
        {
            var network = InputPolicy.IsNetwork(node.Url);
            _reconnect = network && (node.Options.Reconnect ?? demuxer.Duration == Timestamp.None);
            if (!_reconnect) return;
            _sawKeyFlags = new bool[node._selectors.Count];
            _awaitKey = new bool[node._selectors.Count];
            foreach (var p in _parameters)
                if (p?.Description is { Kind: MediaKind.Video } d && _framesPerSecond == 0)
                {
                    var rate = d.GuessedFrameRate.IsValid ? d.GuessedFrameRate : d.FrameRate;
                    _framesPerSecond = rate.IsValid ? rate.ToDouble() : 0;
                }
            _health = context.Metrics.TrackHealth();
            _health.SetConnected(reconnect: false);
            node.Report(context, new InputHealthEvent(context.NodeName, node.Url, InputHealthKind.Connected, DateTimeOffset.UtcNow));
        }

        /// <summary>False for a video packet after a reconnect that comes before the stream's first key frame (it
        /// would decode to damage), counted as lost.</summary>
        private bool KeepOrSkip(in PacketInfo info, int output)
        {
            var key = (info.Flags & 1) != 0;
            if (key) _sawKeyFlags[output] = true;
            if (!_awaitKey[output]) return true;
            if (!key)
            {
                _health!.CountLost(1);
                return false;
            }
            _awaitKey[output] = false;
            return true;
        }

        /// <summary>The first packet out of a new session: shift the session so it starts where the last one ended.</summary>
        private void ContinueFrom(in PacketInfo info, Rational timeBase, long offset)
        {
            var first = info.Dts != Timestamp.None ? info.Dts : info.Pts;
            if (first == Timestamp.None) return; // wait for a packet with a timestamp
            _jumpOffsetUs = _resumeAtUs - Rational.Rescale(first + offset, timeBase, Rational.Microseconds);
            _resumeAtUs = Timestamp.None;
        }

        private void RememberEnd(in PacketInfo info, StreamParameters parameters)
        {
            var t = info.Dts != Timestamp.None ? info.Dts : info.Pts;
            if (t == Timestamp.None) return;
            var duration = info.Duration > 0
                ? Rational.Rescale(info.Duration, parameters.TimeBase, Rational.Microseconds)
                : parameters.Description.Kind == MediaKind.Video && _framesPerSecond > 0 ? (long)(1e6 / _framesPerSecond) : 1000;
            var end = Rational.Rescale(t, parameters.TimeBase, Rational.Microseconds) + duration;
            if (_lastEndUs == Timestamp.None || end > _lastEndUs) _lastEndUs = end;
        }

        /// <summary>The input was lost for <paramref name="reason"/>: opens it again with exponential backoff until it
        /// answers (true), the run stops (false), or the attempts run out (throws naming the input and the last
        /// reason).</summary>
        private async Task<bool> ReconnectAsync(NodeContext context, string reason, CancellationToken cancellationToken)
        {
            var options = node.Options;
            var health = _health!;
            var lostAt = Stopwatch.GetTimestamp();
            health.SetDisconnected();
            context.Metrics.CountWarning();
            node.Report(context, new InputHealthEvent(context.NodeName, node.Url, InputHealthKind.Disconnected, DateTimeOffset.UtcNow, reason));
            _demuxer!.Dispose();
            _demuxer = null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.StopRequested, cancellationToken);
            var delay = options.ReconnectDelay < TimeSpan.Zero ? TimeSpan.Zero : options.ReconnectDelay;
            for (var attempt = 1; ; attempt++)
            {
                if (options.ReconnectAttempts > 0 && attempt > options.ReconnectAttempts)
                {
                    var gone = Stopwatch.GetElapsedTime(lostAt);
                    node.Report(context, new InputHealthEvent(context.NodeName, node.Url, InputHealthKind.GaveUp, DateTimeOffset.UtcNow, reason, attempt - 1, gone));
                    throw new MediaGraphException(context.NodeName,
                        $"'{node.Url}' was lost and did not come back: gave up after {attempt - 1} reconnect attempts over {gone.TotalSeconds:0.#} s (DecodeOptions.ReconnectAttempts = {options.ReconnectAttempts}); last: {reason}",
                        NativeStatus.TimedOut);
                }
                node.Report(context, new InputHealthEvent(context.NodeName, node.Url, InputHealthKind.Reconnecting, DateTimeOffset.UtcNow, reason, attempt, delay));
                try
                {
                    await Task.Delay(delay, stop.Token).ConfigureAwait(false);
                    var demuxer = InputPolicy.Open(node.Url, options, context.NodeName, stop.Token);
                    try { Attach(context, demuxer); }
                    catch
                    {
                        demuxer.Dispose();
                        throw;
                    }
                }
                catch (OperationCanceledException) { return false; }
                catch (MediaGraphException e)
                {
                    reason = e.Cause;
                    var next = delay * 2;
                    delay = next > options.ReconnectMaxDelay ? options.ReconnectMaxDelay : next < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : next;
                    continue;
                }
                var outage = Stopwatch.GetElapsedTime(lostAt);
                if (!options.KeepTimestamps && _lastEndUs != Timestamp.None) _resumeAtUs = _lastEndUs;
                _jumpOffsetUs = 0;
                for (var o = 0; o < _awaitKey.Length; o++) _awaitKey[o] = _sawKeyFlags[o];
                health.CountLost((long)(outage.TotalSeconds * _framesPerSecond));
                health.SetConnected(reconnect: true);
                node.Report(context, new InputHealthEvent(context.NodeName, node.Url, InputHealthKind.Reconnected, DateTimeOffset.UtcNow, null, attempt, outage));
                return true;
            }
        }
    }
}
