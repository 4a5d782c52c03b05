namespace MediaGraph.Tests;

/// <summary>Busy threads, one per core by default, so a test runs on a machine loaded the way a shared build host
/// is (stops interrupted early under load are where work used to be lost).</summary>
public sealed class BusyThreads : IDisposable
{
    private volatile bool _stop;
    private readonly Thread[] _threads;

    public BusyThreads(int threads)
    {
        _threads = Enumerable.Range(0, threads).Select(_ => new Thread(() => { while (!_stop) Thread.SpinWait(1000); }) { IsBackground = true }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    public void Dispose()
    {
        _stop = true;
        foreach (var t in _threads) t.Join();
    }
}
