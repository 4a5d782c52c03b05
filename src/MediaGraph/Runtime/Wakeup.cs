using System.Threading.Tasks.Sources;

namespace MediaGraph;

/// <summary>
/// A reusable, allocation-free "something changed" flag with one waiter: the edges into a node set it when they get
/// an item or end (and when a writer starts waiting on a full one); the edges out of a node set it when a full one
/// gets room. A set before the wait is kept, so a change between the waiter's last look and its wait is never lost.
/// The waiter either blocks its own thread (a node's loop, with an optional deadline) or awaits (code a node runs
/// on another thread).
/// </summary>
internal sealed class Wakeup : IValueTaskSource
{
    private const int Idle = 0, Signaled = 1, WaitingAsync = 2, WaitingThread = 3;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private readonly ManualResetEventSlim _event = new(false, spinCount: 100);
    private int _state;

    /// <summary>Called by any thread.</summary>
    public void Set()
    {
        while (true)
        {
            switch (Volatile.Read(ref _state))
            {
                case Signaled:
                    return;
                case Idle when Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle:
                    return;
                case WaitingAsync when Interlocked.CompareExchange(ref _state, Idle, WaitingAsync) == WaitingAsync:
                    _core.SetResult(true);
                    return;
                case WaitingThread when Interlocked.CompareExchange(ref _state, Idle, WaitingThread) == WaitingThread:
                    _event.Set();
                    return;
            }
        }
    }

    /// <summary>Blocks the calling thread until <see cref="Set"/> was called since the last wait (returns at once
    /// if it already was) or until <paramref name="deadline"/> (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp; <see cref="long.MaxValue"/> for none). False when the deadline passed first.</summary>
    public bool Wait(long deadline = long.MaxValue)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled) return true;
        _event.Reset();
        if (Interlocked.CompareExchange(ref _state, WaitingThread, Idle) != Idle)
        {
            Interlocked.Exchange(ref _state, Idle); // set in between: consume it
            return true;
        }
        if (deadline == long.MaxValue)
        {
            _event.Wait();
            return true;
        }
        var left = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
        if (left > TimeSpan.Zero && _event.Wait(left)) return true;
        // Timed out, unless a Set raced the timeout (it moved the state to Idle and sets the event).
        return Interlocked.CompareExchange(ref _state, Idle, WaitingThread) != WaitingThread;
    }

    /// <summary>Completes when <see cref="Set"/> was called since the last wait (at once if it already was).</summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled) return default;
        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, WaitingAsync, Idle) == Idle) return new ValueTask(this, _core.Version);
        Interlocked.Exchange(ref _state, Idle); // set in between: consume it
        return default;
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
