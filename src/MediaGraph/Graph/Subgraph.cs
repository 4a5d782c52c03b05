namespace MediaGraph;

/// <summary>
/// A reusable piece of a graph written as a class: it takes streams, adds nodes, and returns streams, and the graph
/// uses it like one node (<see cref="Graph.Subgraph(Subgraph, MediaStream[])"/>). The nodes it adds are grouped
/// under its name: <see cref="Graph.ToDot"/> draws them as one cluster, the JSON form marks them with
/// <c>"subgraph"</c>, metrics and error messages name it, and their names start with it, so using the piece twice
/// gives distinct nodes ("logo-scale0", "logo-1-scale0").
/// </summary>
/// <example><code>
/// sealed class Letterbox(int width, int height) : Subgraph("letterbox")
/// {
///     protected internal override IReadOnlyList&lt;MediaStream&gt; Build(Graph graph, IReadOnlyList&lt;MediaStream&gt; inputs)
///         => [((VideoStream)inputs[0]).Scale(width, -2).Filter($"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2")];
/// }
/// var boxed = (VideoStream)graph.Subgraph(new Letterbox(1280, 720), input.Video)[0];
/// </code></example>
public abstract class Subgraph
{
    /// <summary>A piece whose nodes are grouped under <paramref name="name"/> (letters, digits, '_' and '-').</summary>
    protected Subgraph(string name)
    {
        Graph.CheckSubgraphName(name);
        Name = name;
    }

    /// <summary>The name its nodes are grouped under (a second use in the same graph gets "name-1").</summary>
    public string Name { get; }

    /// <summary>Adds the piece's nodes to <paramref name="graph"/>, fed by <paramref name="inputs"/>, and returns
    /// its output streams. Called once per use, inside the subgraph's scope: every node added here is grouped.</summary>
    protected internal abstract IReadOnlyList<MediaStream> Build(Graph graph, IReadOnlyList<MediaStream> inputs);
}

/// <summary>
/// A subgraph kind the JSON form can use by name, like a node kind (<see cref="NodeRegistry.RegisterSubgraph"/>):
/// declared inputs, outputs and parameters (checked as a node kind's are), and the method that builds it. In JSON a
/// node <c>{"id": "prep", "type": "deinterlace-and-scale", "input": "in.video", "width": 1280}</c> expands into the
/// nodes <see cref="Build"/> adds, grouped under the subgraph "prep"; its outputs are <c>prep</c>, <c>prep.out1</c> ...
/// </summary>
public sealed class SubgraphDescriptor
{
    private NodeDescriptor? _shape;

    /// <summary>The kind's name: the JSON form's "type".</summary>
    public required string Kind { get; init; }
    /// <summary>What the subgraph does, in a sentence or two.</summary>
    public required string Doc { get; init; }
    public required IReadOnlyList<PortDeclaration> Inputs { get; init; }
    public required IReadOnlyList<PortDeclaration> Outputs { get; init; }
    public IReadOnlyList<Parameter> Parameters { get; init; } = [];
    /// <summary>A rule across parameters: the problem, or null.</summary>
    public Func<ParameterValues, string?>? Rule { get; init; }
    /// <summary>Adds the nodes: the graph, the input streams (as declared) and the checked values (defaults filled
    /// in); returns the output streams, as declared.</summary>
    public required Func<Graph, IReadOnlyList<MediaStream>, ParameterValues, IReadOnlyList<MediaStream>> Build { get; init; }

    /// <summary>The declaration as a node kind's, for reading and checking a JSON node of this kind.</summary>
    internal NodeDescriptor Shape => _shape ??= new NodeDescriptor
    {
        Kind = Kind, Doc = Doc, Inputs = Inputs, Outputs = Outputs, Parameters = Parameters, Rule = Rule,
        Create = _ => throw new NotSupportedException($"'{Kind}' is a subgraph kind: it expands into nodes (Graph.Subgraph), it is not one node"),
    };

    /// <inheritdoc />
    public override string ToString() => Kind;
}
