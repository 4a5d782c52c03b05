namespace MediaGraph;

/// <summary>
/// The one exception type for media failures: names the node that failed, the cause in words (FFmpeg's error text
/// where FFmpeg failed) and, where known, the position in the stream.
/// </summary>
public class MediaGraphException : Exception
{
    /// <summary>Creates an exception for <paramref name="node"/> (null when no node is involved).</summary>
    public MediaGraphException(string? node, string message, int errorCode = 0, string? position = null, Exception? inner = null)
        : base(message, inner)
    {
        Node = node;
        Cause = message;
        ErrorCode = errorCode;
        Position = position;
    }

    /// <summary>The node that failed ("decode0", "encode1"), or null.</summary>
    public string? Node { get; private set; }
    /// <summary>The cause without the node prefix.</summary>
    public string Cause { get; }
    /// <summary>FFmpeg's AVERROR code, 0 when the failure did not come from FFmpeg.</summary>
    public int ErrorCode { get; }
    /// <summary>Where in the stream it happened ("pts 12.480 s"), or null.</summary>
    public string? Position { get; }

    /// <summary>The subgraph the failed node belongs to ("logo", "outer/inner"), or null.</summary>
    public string? Subgraph { get; private set; }

    /// <inheritdoc />
    public override string Message => Compose(Subgraph is not null && Node is not null ? $"{Node} (subgraph '{Subgraph}')" : Node, Cause, Position);

    /// <summary>Names the node on this same instance when it had none; used by the runtime.</summary>
    internal MediaGraphException AttachNode(string node)
    {
        Node ??= node;
        return this;
    }

    /// <summary>Names the failed node's subgraph (when it is <see cref="Node"/>'s); used by the runtime.</summary>
    internal MediaGraphException AttachSubgraph(string node, string? subgraph)
    {
        if (Node == node) Subgraph ??= subgraph;
        return this;
    }

    private static string Compose(string? node, string message, string? position)
    {
        var text = node is null ? message : $"{node}: {message}";
        return position is null ? text : $"{text} (at {position})";
    }
}

/// <summary>The graph is wired wrongly or names something that does not exist; thrown before any frame moves.</summary>
public sealed class GraphValidationException : MediaGraphException
{
    public GraphValidationException(IReadOnlyList<string> problems)
        : base(null, problems.Count == 1 ? problems[0] : $"{problems.Count} problems in the graph:\n  - " + string.Join("\n  - ", problems))
    {
        Problems = problems;
    }

    /// <summary>Each problem, one sentence naming the node or stream.</summary>
    public IReadOnlyList<string> Problems { get; }
}
