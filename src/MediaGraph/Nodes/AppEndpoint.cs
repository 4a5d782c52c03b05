using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// An app-facing node (<see cref="AppSource{T}"/>, <see cref="AppSink{T}"/>) whose channel to the app belongs to one
/// run. <see cref="Graph.RunAsync"/> calls <see cref="BeginRun"/> on the caller's thread before any node starts, so
/// an app that writes, completes or starts reading right after calling RunAsync always meets that run's channel,
/// never the previous run's (node instances are created on other threads, too late to decide that).
/// </summary>
internal interface IAppEndpoint
{
    /// <summary>Makes a fresh channel when the current one was taken by an earlier run.</summary>
    void BeginRun();

    /// <summary>The run that <see cref="BeginRun"/> claimed the channel for failed before its nodes started (an
    /// invalid graph, a device that cannot open): an app reading or writing the channel gets <paramref name="error"/>
    /// instead of waiting for a run that will never come.</summary>
    void FailBeforeStart(Exception error);
}

/// <summary>The app-facing channel of an <see cref="IAppEndpoint"/>: one per run, made afresh when an earlier run
/// claimed the current one.</summary>
internal sealed class RunChannel<T>(int capacity, bool singleWriter)
{
    private readonly Lock _lock = new();
    private Channel<T> _current = Create(capacity, singleWriter);
    private bool _claimed; // a started run owns _current
    private bool _taken; // a run's instance took _current
    private Channel<T>? _read; // the channel an app has started reading

    /// <summary>The channel the app meets now.</summary>
    public Channel<T> Current { get { lock (_lock) return _current; } }

    /// <summary>See <see cref="IAppEndpoint.BeginRun"/>.</summary>
    public void BeginRun()
    {
        lock (_lock)
        {
            if (_claimed || _taken) _current = Create(capacity, singleWriter);
            _claimed = true;
            _taken = false;
        }
    }

    /// <summary>The channel an app that starts reading now should read, or null when reading should start a run:
    /// the current channel when a run claimed it and nobody read it yet (that run is going, or ended with its
    /// items still queued), else null (never run, or the last run's items were read).</summary>
    public Channel<T>? UnreadRunChannel()
    {
        lock (_lock) return _claimed && !ReferenceEquals(_read, _current) ? _current : null;
    }

    /// <summary>An app started reading <paramref name="channel"/>.</summary>
    public void AttachReader(Channel<T> channel) { lock (_lock) _read = channel; }

    /// <summary>True once an app started reading <paramref name="channel"/>.</summary>
    public bool HasReader(Channel<T> channel) { lock (_lock) return ReferenceEquals(_read, channel); }

    /// <summary>See <see cref="IAppEndpoint.FailBeforeStart"/>: completes the claimed channel no instance took.</summary>
    public void FailBeforeStart(Exception error)
    {
        lock (_lock)
            if (_claimed && !_taken) _current.Writer.TryComplete(error);
    }

    /// <summary>Hands the current channel to a run's instance.</summary>
    public Channel<T> Take()
    {
        lock (_lock)
        {
            if (_taken) _current = Create(capacity, singleWriter); // a run not started by Graph.RunAsync
            _claimed = true;
            _taken = true;
            return _current;
        }
    }

    private static Channel<T> Create(int capacity, bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = singleWriter });
}
