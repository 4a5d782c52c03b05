namespace MediaGraph;

/// <summary>
/// A run-only node standing for a chain of simple filter nodes (one input, one output each, such as
/// Deinterlace → Scale): one libavfilter graph "yadif=…,scale=…" on one thread instead of one per node, so frames
/// stay in one core's cache and no edge sits between the steps. Made by <see cref="FilterFusion"/> when a run
/// starts; the blueprint is not changed, and the chain reports its metrics under "deinterlace0+scale0".
/// </summary>
internal sealed class FusedFilterNode : FilterNode
{
    internal FusedFilterNode(IReadOnlyList<FilterNode> chain)
        : base(string.Join(",", chain.Select(n => n.Description)), [chain[0].Inputs[0].Source!], chain[0].Threads, register: false)
    {
        Chain = chain;
        Name = string.Join("+", chain.Select(n => n.Name));
        Inputs[0].Capacity = chain[0].Inputs[0].Capacity;
    }

    /// <summary>The blueprint nodes this node runs, in order.</summary>
    public IReadOnlyList<FilterNode> Chain { get; }

    public override string Kind => string.Join("+", Chain.Select(n => n.Kind));
}

/// <summary>Finds chains of simple filter nodes in a run's node list and replaces each by one <see cref="FusedFilterNode"/>.</summary>
internal static class FilterFusion
{
    /// <summary>The nodes to run and, for each fused chain's last node, the output that now stands for it.</summary>
    public static (IReadOnlyList<Node> Nodes, Dictionary<OutputPort, OutputPort> Remap) Apply(IReadOnlyList<Node> ordered)
    {
        var remap = new Dictionary<OutputPort, OutputPort>();
        var active = new HashSet<Node>(ordered);
        var fusedInto = new Dictionary<Node, FusedFilterNode>();
        foreach (var node in ordered)
        {
            if (fusedInto.ContainsKey(node) || !IsSimple(node, active)) continue;
            var head = (FilterNode)node;
            // Only start at the head of a chain: a simple node whose source is not itself a fusable predecessor.
            if (head.Inputs[0].Source!.Node is FilterNode prev && IsSimple(prev, active) && Next(prev, active) == head) continue;
            var chain = new List<FilterNode> { head };
            while (Next(chain[^1], active) is { } next) chain.Add(next);
            if (chain.Count < 2) continue;
            var fused = new FusedFilterNode(chain);
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
    private static FilterNode? Next(FilterNode node, HashSet<Node> active)
    {
        var consumers = node.Outputs[0].Consumers.Where(c => active.Contains(c.Node)).ToList();
        return consumers.Count == 1 && consumers[0].Node is FilterNode next && IsSimple(next, active) && next.Threads == node.Threads ? next : null;
    }

    /// <summary>One input, one output, and a description without labels or several chains, so joining with ','
    /// keeps its meaning.</summary>
    private static bool IsSimple(Node node, HashSet<Node> active) =>
        node is FilterNode { Inputs.Count: 1, Outputs.Count: 1 } f && f is not FusedFilterNode && active.Contains(node) &&
        !f.Description.Contains('[') && !f.Description.Contains(';');
}
