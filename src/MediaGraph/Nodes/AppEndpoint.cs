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
}

/// <summary>The app-facing channel of an <see cref="IAppEndpoint"/>: one per run, made afresh when a run took the
/// previous one.</summary>
internal sealed class RunChannel<T>(int capacity, bool singleWriter)
{
    private volatile Channel<T> _current = Create(capacity, singleWriter);
    private bool _taken; // a run's instance took _current
    private volatile Channel<T>? _read; // the channel an app has started reading

    /// <summary>The channel the app meets now.</summary>
    public Channel<T> Current => _current;

    /// <summary>See <see cref="IAppEndpoint.BeginRun"/>.</summary>
    public void BeginRun()
    {
        if (!_taken) return;
        _current = Create(capacity, singleWriter);
        _taken = false;
    }

    /// <summary>An app started reading <paramref name="channel"/>.</summary>
    public void AttachReader(Channel<T> channel) => _read = channel;

    /// <summary>True once an app started reading <paramref name="channel"/>.</summary>
    public bool HasReader(Channel<T> channel) => ReferenceEquals(_read, channel);

    /// <summary>Hands the current channel to a run's instance.</summary>
    public Channel<T> Take()
    {
        if (_taken) BeginRun(); // not started by Graph.RunAsync
        _taken = true;
        return _current;
    }

    private static Channel<T> Create(int capacity, bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = singleWriter });
}
