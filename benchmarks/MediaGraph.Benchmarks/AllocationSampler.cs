using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MediaGraph.Benchmarks;

/// <summary>
/// Names what a process allocates, without dotnet-trace: listens to the runtime's GC AllocationTick events (one
/// about every 100 KB allocated, carrying the type of the object that crossed the threshold) and counts the bytes
/// each type stands for. Types such as <c>AsyncStateMachineBox&lt;…, &lt;WriteSlowAsync&gt;d__7&gt;</c> name the async method
/// whose await suspended.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _enabled;

    public void Start() { _bytes.Clear(); _enabled = true; }
    public void Stop() => _enabled = false;

    /// <summary>Types by sampled bytes, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Top(int count)
        => _bytes.OrderByDescending(kv => kv.Value).Take(count).Select(kv => (kv.Key, kv.Value)).ToList();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_enabled || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames?.IndexOf("TypeName") is int t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames?.IndexOf("AllocationAmount64") is int a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }
}
