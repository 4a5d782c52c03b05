namespace MediaGraph;

// Subgraphs: reusable pieces whose nodes are grouped under a name (a path for nested ones, "outer/inner").
public sealed partial class Graph
{
    private string? _subgraph;                        // the subgraph being built now, or null
    private readonly List<string> _subgraphs = new(); // every subgraph, in the order first entered

    /// <summary>Every subgraph of the graph, in the order made: "logo", "logo-1" (a second use), "outer/inner"
    /// (nested).</summary>
    public IReadOnlyList<string> Subgraphs => _subgraphs;

    /// <summary>
    /// Runs <paramref name="build"/> — any code that takes streams and adds nodes — and groups every node it adds
    /// under the subgraph <paramref name="name"/>: <see cref="ToDot"/> draws them as a cluster, the JSON form marks
    /// them (<c>"subgraph": "logo"</c>), metrics and error messages name it. Node names inside start with the
    /// subgraph's ("logo-scale0"; a node named "mix" becomes "logo-mix"), and a name used again gets a number
    /// ("logo-1"), so one piece can be used many times. Calls may nest ("outer/inner"). Returns what
    /// <paramref name="build"/> returns; an exception it throws names the subgraph.
    /// </summary>
    /// <example><code>
    /// VideoStream Logo(VideoStream video, VideoStream logo) => video.Graph.Subgraph("logo", () =>
    ///     video.Graph.Filter("[0][1]overlay=16:16", video, logo.Scale(300, 200)).Video(0));
    /// </code></example>
    public T Subgraph<T>(string name, Func<T> build)
    {
        CheckSubgraphName(name);
        ArgumentNullException.ThrowIfNull(build);
        return InSubgraph(NewSubgraphPath(name), build);
    }

    /// <summary>Uses <paramref name="piece"/> like a node: builds it, fed by <paramref name="inputs"/>, inside a
    /// subgraph named after it (see <see cref="Subgraph{T}(string, Func{T})"/>); returns its outputs.</summary>
    public IReadOnlyList<MediaStream> Subgraph(Subgraph piece, params MediaStream[] inputs)
    {
        ArgumentNullException.ThrowIfNull(piece);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var input in inputs) Own(input);
        return Subgraph(piece.Name, () => piece.Build(this, inputs)
            ?? throw new InvalidOperationException($"{piece.GetType().Name}.Build returned null; return the output streams"));
    }

    /// <summary>Uses the registered subgraph kind <paramref name="kind"/> (<see cref="NodeRegistry.RegisterSubgraph"/>)
    /// with <paramref name="values"/>, fed by <paramref name="inputs"/>, grouped under <paramref name="name"/>
    /// (the kind's name when null). Values and streams are checked against the declaration.</summary>
    public IReadOnlyList<MediaStream> Subgraph(SubgraphDescriptor kind, ParameterValues? values, params MediaStream[] inputs)
        => Subgraph(kind.Kind, kind, values, inputs);

    /// <inheritdoc cref="Subgraph(SubgraphDescriptor, ParameterValues?, MediaStream[])"/>
    public IReadOnlyList<MediaStream> Subgraph(string name, SubgraphDescriptor kind, ParameterValues? values, params MediaStream[] inputs)
    {
        CheckSubgraphName(name);
        ArgumentNullException.ThrowIfNull(kind);
        return UseSubgraph(NewSubgraphPath(name), kind, values ?? new ParameterValues(), inputs);
    }

    /// <summary>Builds a subgraph kind at <paramref name="path"/> (the JSON reader gives the exact path).</summary>
    internal IReadOnlyList<MediaStream> UseSubgraph(string path, SubgraphDescriptor kind, ParameterValues values, IReadOnlyList<MediaStream> inputs)
    {
        foreach (var input in inputs) Own(input);
        var resolved = kind.Shape.Resolve(values, out var problems);
        if (problems.Count > 0) throw new ArgumentException($"subgraph '{path}' ({kind.Kind}): {string.Join("; ", problems)}");
        if (inputs.Count != kind.Inputs.Count)
            throw new ArgumentException($"subgraph '{path}' ({kind.Kind}) takes {kind.Inputs.Count} stream(s) ({string.Join(", ", kind.Inputs.Select(i => i.Name))}) but was given {inputs.Count}");
        for (var i = 0; i < inputs.Count; i++)
            if (inputs[i].Kind != kind.Inputs[i].Kind)
                throw new ArgumentException($"subgraph '{path}' ({kind.Kind}): input '{kind.Inputs[i].Name}' takes {GraphJson.MediaName(kind.Inputs[i].Kind)}, but stream '{inputs[i]}' is {GraphJson.MediaName(inputs[i].Kind)}");
        var outputs = InSubgraph(path, () => kind.Build(this, inputs, resolved));
        if (outputs is null || outputs.Count != kind.Outputs.Count || outputs.Where((o, i) => o.Kind != kind.Outputs[i].Kind).Any())
            throw new InvalidOperationException($"subgraph '{path}' ({kind.Kind}): its Build returned {outputs?.Count ?? 0} stream(s) ({string.Join(", ", outputs?.Select(o => GraphJson.MediaName(o.Kind)) ?? [])}), but the kind declares {string.Join(", ", kind.Outputs.Select(o => $"{o.Name} ({GraphJson.MediaName(o.Kind)})"))}");
        return outputs;
    }

    /// <summary>Runs <paramref name="build"/> with <paramref name="path"/> as the current subgraph.</summary>
    internal T InSubgraph<T>(string? path, Func<T> build)
    {
        if (path is null) return build();
        for (var at = path.IndexOf('/'); at >= 0; at = path.IndexOf('/', at + 1))
            if (!_subgraphs.Contains(path[..at])) _subgraphs.Add(path[..at]);
        if (!_subgraphs.Contains(path)) _subgraphs.Add(path);
        var outer = _subgraph;
        _subgraph = path;
        try
        {
            return build();
        }
        catch (ArgumentException e) when (!e.Data.Contains(NamedSubgraph))
        {
            throw Named(new ArgumentException($"subgraph '{path}': {Plain(e)}", e));
        }
        catch (InvalidOperationException e) when (!e.Data.Contains(NamedSubgraph))
        {
            throw Named(new InvalidOperationException($"subgraph '{path}': {e.Message}", e));
        }
        finally
        {
            _subgraph = outer;
        }
    }

    private const string NamedSubgraph = "MediaGraph.Subgraph";

    private static Exception Named(Exception e)
    {
        e.Data[NamedSubgraph] = true;
        return e;
    }

    private static string Plain(ArgumentException e) => e.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;

    /// <summary>A path for a new subgraph <paramref name="name"/> inside the current one; "name-1", "name-2" when taken.</summary>
    private string NewSubgraphPath(string name)
    {
        var stem = _subgraph is null ? name : $"{_subgraph}/{name}";
        var path = stem;
        for (var n = 1; _subgraphs.Contains(path); n++) path = $"{stem}-{n}";
        return path;
    }

    /// <summary>The subgraph a node added now belongs to: the current one, except for a node the builder makes
    /// for another (a decoder behind <c>input.Video</c>), which goes with the node it reads.</summary>
    private string? SubgraphFor(Node node)
        => node.IsImplicit && node.Inputs.Count > 0 && node.Inputs[0].Source?.Node is { } owner && _nodes.Contains(owner) ? owner.SubgraphPath : _subgraph;

    /// <summary>What the names of a subgraph's nodes start with: "logo-", "outer-inner-".</summary>
    private static string SubgraphPrefix(string? path) => path is null ? "" : path.Replace('/', '-') + "-";

    /// <summary>Throws unless <paramref name="name"/> can name a subgraph: letters, digits, '_' and '-'.</summary>
    internal static void CheckSubgraphName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!GraphJson.IsValidId(name))
            throw new ArgumentException($"subgraph name '{name}' may hold only letters, digits, '_' and '-' (it starts its nodes' names)", nameof(name));
    }

    /// <summary>True when <paramref name="path"/> is a subgraph path: valid names joined by '/'.</summary>
    internal static bool IsValidSubgraphPath(string path) => path.Split('/').All(GraphJson.IsValidId);
}
