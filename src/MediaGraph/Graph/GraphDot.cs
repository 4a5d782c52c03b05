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
            if (node.SubgraphPath is null) Declare(sb, node, "  ");
        // A subgraph's nodes in a cluster of their own, nested as the subgraphs are ("outer/inner" inside "outer").
        var grouped = nodes.Where(n => n.SubgraphPath is not null).ToList();
        var paths = grouped.SelectMany(n => Ancestry(n.SubgraphPath!)).Distinct().ToList();
        foreach (var top in paths.Where(p => !p.Contains('/'))) Cluster(sb, top, paths, grouped, "  ");
        foreach (var node in nodes)
            foreach (var input in node.Inputs)
                if ((inputRemap?.GetValueOrDefault(input) ?? input.Source) is { } source && set.Contains(source.Node))
                    sb.AppendLine($"  \"{Escape(source.Node.Name)}\" -> \"{Escape(node.Name)}\" [label=\"{Escape(source.Name)} ({source.Kind.ToString().ToLowerInvariant()})\"];");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static void Declare(StringBuilder sb, Node node, string indent)
    {
        var options = node.DescribeOptions().Select(kv => $"{kv.Key}={kv.Value}");
        var label = string.Join("\\n", new[] { $"{node.Name} ({node.Kind})" }.Concat(options).Select(Escape));
        sb.AppendLine($"{indent}\"{Escape(node.Name)}\" [label=\"{label}\"];");
    }

    /// <summary>"a/b/c" → "a", "a/b", "a/b/c".</summary>
    private static IEnumerable<string> Ancestry(string path)
    {
        for (var at = path.IndexOf('/'); at >= 0; at = path.IndexOf('/', at + 1)) yield return path[..at];
        yield return path;
    }

    /// <summary>The cluster of subgraph <paramref name="path"/>: its own nodes, then its nested subgraphs'.</summary>
    private static void Cluster(StringBuilder sb, string path, List<string> paths, List<Node> grouped, string indent)
    {
        sb.AppendLine($"{indent}subgraph \"cluster_{Escape(path)}\" {{");
        sb.AppendLine($"{indent}  label=\"{Escape(path[(path.LastIndexOf('/') + 1)..])}\"; style=dashed; fontname=\"Helvetica\";");
        foreach (var node in grouped.Where(n => n.SubgraphPath == path)) Declare(sb, node, indent + "  ");
        foreach (var child in paths.Where(p => p.StartsWith(path + "/", StringComparison.Ordinal) && !p[(path.Length + 1)..].Contains('/')))
            Cluster(sb, child, paths, grouped, indent + "  ");
        sb.AppendLine($"{indent}}}");
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
