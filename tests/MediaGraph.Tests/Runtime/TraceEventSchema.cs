using System.Text.Json;
using Xunit;

namespace MediaGraph.Tests.Runtime;

/// <summary>
/// The Chrome trace-event format ("Trace Event Format", the JSON Object Format that chrome://tracing and Perfetto's
/// JSON importer read), as far as a frame timeline uses it, checked event by event: the document is an object with a
/// <c>traceEvents</c> array; every event has a string name, a known phase and integer pid/tid; complete events
/// ("X") have numeric ts and dur ≥ 0 (µs) and an args object; metadata events ("M") name the process or a thread, or
/// give a thread's sort index; flow events ("s"/"f") have a category, an id and a ts, and come in pairs; instant
/// events ("i") have a scope. Per thread, ts never goes back. Every thread that has events is named.
/// </summary>
internal static class TraceEventSchema
{
    private static readonly HashSet<string> Phases = ["X", "M", "s", "f", "i"];

    /// <summary>Checks <paramref name="json"/>; returns the thread names by tid.</summary>
    public static Dictionary<long, string> Validate(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.True(root.TryGetProperty("traceEvents", out var events), "no traceEvents array");
        Assert.Equal(JsonValueKind.Array, events.ValueKind);
        if (root.TryGetProperty("displayTimeUnit", out var unit)) Assert.Contains(unit.GetString(), new[] { "ms", "ns" });

        var threads = new Dictionary<long, string>();
        var lastTs = new Dictionary<(long, long), double>();
        var used = new HashSet<long>();
        var flowStarts = new Dictionary<long, int>();
        var flowEnds = new Dictionary<long, int>();
        var index = 0;
        foreach (var e in events.EnumerateArray())
        {
            var where = $"event #{index++}: {e.GetRawText()}";
            Assert.True(e.ValueKind == JsonValueKind.Object, where);
            var name = Required(e, "name", JsonValueKind.String, where).GetString()!;
            var ph = Required(e, "ph", JsonValueKind.String, where).GetString()!;
            Assert.True(Phases.Contains(ph), $"{where}: unknown phase '{ph}'");
            Assert.True(Required(e, "pid", JsonValueKind.Number, where).TryGetInt64(out var pid), $"{where}: pid is not an integer");
            Assert.True(Required(e, "tid", JsonValueKind.Number, where).TryGetInt64(out var tid), $"{where}: tid is not an integer");
            if (ph == "M")
            {
                var args = Required(e, "args", JsonValueKind.Object, where);
                Assert.True(name is "process_name" or "thread_name" or "thread_sort_index" or "process_sort_index", $"{where}: unknown metadata '{name}'");
                if (name.EndsWith("_name", StringComparison.Ordinal))
                    Assert.False(string.IsNullOrEmpty(Required(args, "name", JsonValueKind.String, where).GetString()), $"{where}: empty name");
                else Assert.True(Required(args, "sort_index", JsonValueKind.Number, where).TryGetInt64(out _), where);
                if (name == "thread_name") Assert.True(threads.TryAdd(tid, args.GetProperty("name").GetString()!), $"{where}: thread {tid} named twice");
                continue;
            }
            var ts = Required(e, "ts", JsonValueKind.Number, where).GetDouble();
            Assert.True(ts >= 0, $"{where}: ts < 0");
            var key = (pid, tid);
            Assert.True(!lastTs.TryGetValue(key, out var last) || ts >= last, $"{where}: ts {ts} goes back (last {last}) on thread {tid}");
            lastTs[key] = ts;
            used.Add(tid);
            switch (ph)
            {
                case "X":
                    Assert.True(Required(e, "dur", JsonValueKind.Number, where).GetDouble() >= 0, $"{where}: dur < 0");
                    Required(e, "cat", JsonValueKind.String, where);
                    Required(e, "args", JsonValueKind.Object, where);
                    break;
                case "s" or "f":
                    Required(e, "cat", JsonValueKind.String, where);
                    var id = Required(e, "id", JsonValueKind.Number, where).GetInt64();
                    var counts = ph == "s" ? flowStarts : flowEnds;
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                    if (ph == "f") Assert.Equal("e", Required(e, "bp", JsonValueKind.String, where).GetString());
                    break;
                case "i":
                    Assert.Contains(Required(e, "s", JsonValueKind.String, where).GetString(), new[] { "g", "p", "t" });
                    break;
            }
        }
        foreach (var tid in used) Assert.True(threads.ContainsKey(tid), $"thread {tid} has events but no thread_name");
        Assert.All(flowStarts, kv => Assert.True(flowEnds.GetValueOrDefault(kv.Key) == kv.Value, $"flow {kv.Key} starts {kv.Value} time(s) but ends {flowEnds.GetValueOrDefault(kv.Key)}"));
        Assert.All(flowEnds, kv => Assert.True(flowStarts.ContainsKey(kv.Key), $"flow {kv.Key} ends but never starts"));
        return threads;
    }

    private static JsonElement Required(JsonElement e, string name, JsonValueKind kind, string where)
    {
        Assert.True(e.TryGetProperty(name, out var value), $"{where}: '{name}' is missing");
        Assert.True(value.ValueKind == kind, $"{where}: '{name}' is {value.ValueKind}, not {kind}");
        return value;
    }
}
