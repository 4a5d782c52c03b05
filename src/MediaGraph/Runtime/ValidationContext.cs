namespace MediaGraph;

/// <summary>Collects every problem found while validating a graph, each naming its node.</summary>
public sealed class ValidationContext
{
    private readonly List<string> _problems = new();

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>True when a run follows at once: nodes may keep what they opened to check (an input that cannot be
    /// read twice, a pipe or a live stream) for the run to use.</summary>
    public bool ForRun { get; internal init; }

    /// <summary>Where the graph asks to run (<see cref="GraphOptions.Device"/>); null when validating a part of a
    /// graph on its own.</summary>
    public Device? Device { get; internal init; }

    /// <summary>Records a problem with <paramref name="node"/>.</summary>
    public void Problem(Node node, string message)
        => _problems.Add(node.SubgraphPath is { } subgraph ? $"{node.Name} (subgraph '{subgraph}'): {message}" : $"{node.Name}: {message}");

    internal void Problem(string message) => _problems.Add(message);

    /// <summary>Longest input duration seen (microseconds), for progress.</summary>
    internal double DurationSeconds { get; private set; } = double.NaN;

    internal void SetDuration(long microseconds)
    {
        if (microseconds == Timestamp.None || microseconds <= 0) return;
        var s = microseconds / 1e6;
        if (double.IsNaN(DurationSeconds) || s > DurationSeconds) DurationSeconds = s;
    }
}
