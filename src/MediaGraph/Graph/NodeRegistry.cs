namespace MediaGraph;

/// <summary>
/// The node kinds the JSON form can build, by name: "scale", "deinterlace", "filter" are built in; register your
/// own kind once (<c>NodeRegistry.Register(NegateNode.Descriptor)</c>) and <see cref="Graph.FromJson"/> builds it,
/// <see cref="Graph.ToJson"/> writes it and validation checks its parameters — no other code to change. "decode"
/// and "encode" are the JSON form's own nodes (each expands into several graph nodes) and cannot be registered.
/// Thread-safe; registering the same declaration twice does nothing.
/// </summary>
public static class NodeRegistry
{
    private static readonly object Gate = new();
    private static readonly string[] Reserved = ["id", "type", "input", "inputs", "subgraph"];
    private static NodeDescriptor[] _kinds = [DeinterlaceNode.Descriptor, ScaleNode.Descriptor, FilterNode.Descriptor, FpsNode.Descriptor,
        ConvertToNode.Descriptor, CropNode.Descriptor, FlipNode.Descriptor, RotateNode.Descriptor, BlurNode.Descriptor, GammaNode.Descriptor,
        UploadNode.Descriptor, DownloadNode.Descriptor, TrackNode.Descriptor, DrawDetectionsNode.Descriptor,
        InferNode.Descriptor, RecognizeTextNode.ReadTextDescriptor, OverlayNode.Descriptor,
        EveryNthNode.Descriptor, TrimNode.Descriptor, AudioTrimNode.Descriptor, SetPtsNode.Descriptor];

    /// <summary>How many of <see cref="Kinds"/> are built in (they come first).</summary>
    internal static readonly int BuiltInCount = _kinds.Length;

    /// <summary>Every registered kind, built-in ones first, then in the order registered.</summary>
    public static IReadOnlyList<NodeDescriptor> Kinds => Volatile.Read(ref _kinds);

    /// <summary>Registers <paramref name="descriptor"/> under its <see cref="NodeDescriptor.Kind"/>. Throws an
    /// <see cref="ArgumentException"/> when another declaration has that name, when the name is not a valid JSON
    /// type (letters, digits, '_' and '-'), or when a parameter is named twice or takes a name the JSON form uses
    /// itself (id, type, input, inputs).</summary>
    public static void Register(NodeDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var kind = descriptor.Kind;
        if (string.IsNullOrEmpty(kind) || !GraphJson.IsValidId(kind))
            throw new ArgumentException($"node kind '{kind}' may hold only letters, digits, '_' and '-'", nameof(descriptor));
        if (kind is "decode" or "encode")
            throw new ArgumentException($"'{kind}' is a node of the JSON form itself; give your kind another name", nameof(descriptor));
        foreach (var group in descriptor.Parameters.GroupBy(p => p.Name).Where(g => g.Count() > 1))
            throw new ArgumentException($"{kind}: parameter '{group.Key}' is declared {group.Count()} times", nameof(descriptor));
        if (descriptor.Parameters.FirstOrDefault(p => Reserved.Contains(p.Name)) is { } clash)
            throw new ArgumentException($"{kind}: a parameter cannot be named '{clash.Name}' (the JSON form uses {string.Join(", ", Reserved)})", nameof(descriptor));
        lock (Gate)
        {
            if (FindSubgraph(kind) is not null) throw new ArgumentException($"'{kind}' is already registered as a subgraph kind", nameof(descriptor));
            if (Find(kind) is { } existing)
            {
                if (ReferenceEquals(existing, descriptor)) return;
                throw new ArgumentException($"node kind '{kind}' is already registered by another declaration", nameof(descriptor));
            }
            Volatile.Write(ref _kinds, [.. _kinds, descriptor]);
        }
    }

    private static SubgraphDescriptor[] _subgraphs = [];

    /// <summary>Every registered subgraph kind, in the order registered.</summary>
    public static IReadOnlyList<SubgraphDescriptor> SubgraphKinds => Volatile.Read(ref _subgraphs);

    /// <summary>Registers a subgraph kind (<see cref="SubgraphDescriptor"/>): the JSON form can then use it by name
    /// like a node kind, and it expands into the nodes its Build adds, grouped under the JSON node's id. Throws an
    /// <see cref="ArgumentException"/> for a name a node or subgraph kind already has (unless it is the same
    /// declaration), a name that is not a valid JSON type, or a parameter named twice or named as the JSON form's own
    /// fields.</summary>
    public static void RegisterSubgraph(SubgraphDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var kind = descriptor.Kind;
        if (string.IsNullOrEmpty(kind) || !GraphJson.IsValidId(kind) || kind is "decode" or "encode")
            throw new ArgumentException($"subgraph kind '{kind}' may hold only letters, digits, '_' and '-', and cannot be decode or encode", nameof(descriptor));
        foreach (var group in descriptor.Parameters.GroupBy(p => p.Name).Where(g => g.Count() > 1))
            throw new ArgumentException($"{kind}: parameter '{group.Key}' is declared {group.Count()} times", nameof(descriptor));
        if (descriptor.Parameters.FirstOrDefault(p => Reserved.Contains(p.Name)) is { } clash)
            throw new ArgumentException($"{kind}: a parameter cannot be named '{clash.Name}' (the JSON form uses {string.Join(", ", Reserved)})", nameof(descriptor));
        lock (Gate)
        {
            if (Find(kind) is not null) throw new ArgumentException($"'{kind}' is already registered as a node kind", nameof(descriptor));
            if (FindSubgraph(kind) is { } existing)
            {
                if (ReferenceEquals(existing, descriptor)) return;
                throw new ArgumentException($"subgraph kind '{kind}' is already registered by another declaration", nameof(descriptor));
            }
            Volatile.Write(ref _subgraphs, [.. _subgraphs, descriptor]);
        }
    }

    /// <summary>The subgraph kind registered as <paramref name="kind"/>, or null.</summary>
    public static SubgraphDescriptor? FindSubgraph(string kind)
    {
        foreach (var d in SubgraphKinds)
            if (d.Kind == kind) return d;
        return null;
    }

    /// <summary>The kind registered as <paramref name="kind"/>, or null.</summary>
    public static NodeDescriptor? Find(string kind)
    {
        foreach (var d in Kinds)
            if (d.Kind == kind) return d;
        return null;
    }
}
