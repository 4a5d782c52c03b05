using System.Text;

namespace MediaGraph;

/// <summary>Renders nodes and edges in Graphviz DOT: one box per node with its options, one arrow per edge.</summary>
internal static class GraphDot
{
    public static string Render(IReadOnlyList<Node> nodes, IReadOnlyDictionary<InputPort, OutputPort>? inputRemap = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("digraph mediagraph {");
        sb.AppendLine("  rankdir=LR;");
        sb.AppendLine("  node [shape=box, style=rounded, fontname=\"Helvetica\"];");
        var set = new HashSet<Node>(nodes);
        foreach (var node in nodes)
        {
            var options = node.DescribeOptions().Select(kv => $"{kv.Key}={kv.Value}");
            var label = string.Join("\\n", new[] { $"{node.Name} ({node.Kind})" }.Concat(options).Select(Escape));
            sb.AppendLine($"  \"{Escape(node.Name)}\" [label=\"{label}\"];");
        }
        foreach (var node in nodes)
            foreach (var input in node.Inputs)
                if ((inputRemap?.GetValueOrDefault(input) ?? input.Source) is { } source && set.Contains(source.Node))
                    sb.AppendLine($"  \"{Escape(source.Node.Name)}\" -> \"{Escape(node.Name)}\" [label=\"{Escape(source.Name)} ({source.Kind.ToString().ToLowerInvariant()})\"];");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
