namespace MediaGraph;

/// <summary>
/// A run-only node standing for a chain of simple libavfilter nodes (one input, one output each, such as
/// Deinterlace → Scale): one libavfilter graph "yadif=…,scale=…" on one thread instead of one per node, so frames
/// stay in one core's cache and no edge sits between the steps. Made by <see cref="FilterFusion"/> when a run
/// starts; the blueprint is not changed, and the chain reports its metrics under "deinterlace0+scale0". Runs as a
/// transform, so metadata crosses the whole chain.
/// </summary>
internal sealed class FusedFilterNode : FilterNode
{
    internal FusedFilterNode(IReadOnlyList<Node> chain, IEnumerable<string> descriptions, int threads)
        : base(new ParameterValues { ["graph"] = string.Join(",", descriptions), ["threads"] = threads })
    {
        Chain = chain;
        Name = string.Join("+", chain.Select(n => n.Name));
        if (chain.Select(n => n.SubgraphPath).Distinct().Count() == 1) SubgraphPath = chain[0].SubgraphPath; // a chain inside one subgraph stays in it
        Inputs[0].Source = chain[0].Inputs[0].Source; // not a consumer in the blueprint
        Inputs[0].Capacity = chain[0].Inputs[0].Capacity;
    }

    /// <summary>The blueprint nodes this node runs, in order.</summary>
    public IReadOnlyList<Node> Chain { get; }

    public override string Kind => string.Join("+", Chain.Select(n => n.Kind));
}

/// <summary>Finds chains of simple filter nodes in a run's node list and replaces each by one <see cref="FusedFilterNode"/>.</summary>
internal static class FilterFusion
{
    /// <summary>The nodes to run and, for each fused chain's last node, the output that now stands for it.</summary>
    /// <param name="ordered">The run's nodes in topological order.</param>
    /// <param name="exclude">Nodes that must run on their own (those placed on a device).</param>
    public static (IReadOnlyList<Node> Nodes, Dictionary<OutputPort, OutputPort> Remap) Apply(IReadOnlyList<Node> ordered, IReadOnlySet<Node>? exclude = null)
    {
        var remap = new Dictionary<OutputPort, OutputPort>();
        var active = new HashSet<Node>(ordered);
        if (exclude is not null) active.ExceptWith(exclude);
        var fusedInto = new Dictionary<Node, FusedFilterNode>();
        foreach (var node in ordered)
        {
            if (fusedInto.ContainsKey(node) || Simple(node, active) is null) continue;
            // Only start at the head of a chain: a simple node whose source is not itself a fusable predecessor.
            var prev = node.Inputs[0].Source!.Node;
            if (Simple(prev, active) is not null && Next(prev, active) == node) continue;
            var chain = new List<Node> { node };
            while (Next(chain[^1], active) is { } next) chain.Add(next);
            if (chain.Count < 2) continue;
            var fused = new FusedFilterNode(chain, chain.Select(n => Simple(n, active)!.Value.Description), Simple(node, active)!.Value.Threads);
            foreach (var member in chain) fusedInto[member] = fused;
            remap[chain[^1].Outputs[0]] = fused.Outputs[0];
        }
        if (fusedInto.Count == 0) return (ordered, remap);
        var nodes = new List<Node>();
        foreach (var node in ordered)
        {
            if (!fusedInto.TryGetValue(node, out var fused)) nodes.Add(node);
            else if (fused.Chain[0] == node) nodes.Add(fused);
        }
        return (nodes, remap);
    }

    /// <summary>The simple filter node that alone consumes <paramref name="node"/>'s output, if any.</summary>
    private static Node? Next(Node node, HashSet<Node> active)
    {
        var consumers = node.Outputs[0].Consumers.Where(c => active.Contains(c.Node)).ToList();
        return consumers.Count == 1 && Simple(consumers[0].Node, active) is { } next && next.Threads == Simple(node, active)!.Value.Threads
            ? consumers[0].Node : null;
    }

    /// <summary>The libavfilter description and threads of a node that is one simple filter chain (one input, one
    /// output, no labels or several chains, so joining with ',' keeps its meaning), or null.</summary>
    private static (string Description, int Threads)? Simple(Node node, HashSet<Node> active)
    {
        if (!active.Contains(node) || node.Inputs.Count != 1 || node.Outputs.Count != 1) return null;
        var (description, threads) = node switch
        {
            FusedFilterNode => (null, 0),
            FilterNode f => (f.Description, f.Threads),
            TransformNode t => (t.FilterDescription, FilterThreads.Automatic),
            _ => (null, 0),
        };
        return description is null || description.Contains('[') || description.Contains(';') ? null : (description, threads);
    }
}
