namespace MediaGraph;

// The declared side of a node: a node made from a NodeDescriptor gets its ports from it and keeps its checked
// parameter values, from which DescribeOptions, the JSON form and ToDot() are derived.
public abstract partial class Node
{
    /// <summary>A node that declares its ports and options itself (override <see cref="Kind"/>,
    /// <see cref="DescribeOptions"/>, call AddInput/AddOutput).</summary>
    protected Node() => Values = ParameterValues.Empty;

    /// <summary>A node of a declared kind: checks <paramref name="values"/> against the declaration (throws an
    /// <see cref="ArgumentException"/> naming the kind and listing every bad parameter), fills in defaults and adds
    /// the declared ports.</summary>
    protected Node(NodeDescriptor descriptor, ParameterValues values)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var resolved = descriptor.Resolve(values, out var problems);
        if (problems.Count > 0) throw new ArgumentException($"{descriptor.Kind}: {string.Join("; ", problems)}");
        Declaration = descriptor;
        Values = resolved;
        foreach (var input in descriptor.Inputs ?? []) AddInput(input.Kind, input.Name);
        foreach (var output in descriptor.Outputs ?? []) AddOutput(output.Kind, output.Name);
    }

    /// <summary>The declaration this node was made from; null for a node that declares nothing (decode, encode,
    /// app sinks and sources, hand-written custom nodes).</summary>
    public NodeDescriptor? Declaration { get; }

    /// <summary>The node's parameter values, every declared parameter present (defaults filled in); empty for a
    /// node without a declaration.</summary>
    public ParameterValues Values { get; }

    /// <summary>Declared parameters that have a value, as text ("width" → "1280", "algorithm" → "bicubic").</summary>
    private IReadOnlyDictionary<string, string> DescribeDeclared()
    {
        var described = new Dictionary<string, string>();
        if (Declaration is null) return described;
        foreach (var p in Declaration.Parameters)
            if (Values[p.Name] is { } value) described[p.Name] = p.Format(value);
        return described;
    }
}
