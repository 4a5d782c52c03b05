namespace MediaGraph;

/// <summary>An input or output a node kind declares: its name ("in", "out") and what it carries.</summary>
public readonly record struct PortDeclaration(string Name, MediaKind Kind);

/// <summary>
/// A node kind's declaration, made once per kind (a static field of the node class): its name as in the JSON form,
/// doc text, ports, parameters and the factory that builds a node from parameter values. Everything around a node
/// is derived from it: the JSON form reads and writes the declared parameters, <see cref="Node.DescribeOptions"/>
/// and <c>ToDot()</c> show them, and values are checked against it (type, range, allowed names, required) before a
/// node is made. Register it with <c>NodeRegistry.Register</c> for the JSON form to build the kind.
/// </summary>
/// <example>
/// <code>
/// public static readonly NodeDescriptor Descriptor = new()
/// {
///     Kind = "negate",
///     Doc = "Inverts the picture.",
///     Inputs = [new("in", MediaKind.Video)],
///     Outputs = [new("out", MediaKind.Video)],
///     Parameters = [Parameter.Double("mix", "0 keeps the input, 1 inverts it fully", @default: 1, min: 0, max: 1)],
///     Create = values => new NegateNode(values),
/// };
/// </code>
/// </example>
public sealed class NodeDescriptor
{
    /// <summary>The kind's name: the JSON form's "type" and the stem of node names ("scale" → scale0).</summary>
    public required string Kind { get; init; }
    /// <summary>What a node of this kind does, in a sentence or two.</summary>
    public required string Doc { get; init; }
    /// <summary>The inputs every node of the kind has; null when they follow from the parameters (a filter graph's
    /// open pads), and the node adds them itself.</summary>
    public IReadOnlyList<PortDeclaration>? Inputs { get; init; }
    /// <summary>The outputs every node of the kind has; null when they follow from the parameters.</summary>
    public IReadOnlyList<PortDeclaration>? Outputs { get; init; }
    /// <summary>The parameters, in the order they are written and shown.</summary>
    public IReadOnlyList<Parameter> Parameters { get; init; } = [];
    /// <summary>A rule across parameters ("at most one of 'width' and 'height' may be -1"): the problem, or null.</summary>
    public Func<ParameterValues, string?>? Rule { get; init; }
    /// <summary>Builds a node from checked values (every declared parameter present, defaults filled in).</summary>
    public required Func<ParameterValues, Node> Create { get; init; }

    /// <summary>The declared parameter named <paramref name="name"/>, or null.</summary>
    public Parameter? Find(string name)
    {
        foreach (var p in Parameters)
            if (p.Name == name) return p;
        return null;
    }

    /// <summary>Every problem with <paramref name="values"/> (unknown names, wrong types, out of range, not
    /// allowed, missing, the cross-parameter rule), each naming the parameter; empty when they are fine.</summary>
    public IReadOnlyList<string> Check(ParameterValues values) => Check(values, []);

    /// <summary><see cref="Check(ParameterValues)"/>, leaving out the parameters in <paramref name="unread"/> (a
    /// reader already reported why it has no value for them).</summary>
    internal IReadOnlyList<string> Check(ParameterValues values, IReadOnlyCollection<string> unread)
    {
        Resolve(values, out var problems, unread);
        return problems;
    }

    /// <summary>The values with defaults filled in and numbers widened, frozen; <paramref name="problems"/> lists
    /// what is wrong.</summary>
    internal ParameterValues Resolve(ParameterValues values, out List<string> problems, IReadOnlyCollection<string>? unread = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        problems = new List<string>();
        foreach (var name in values.Names)
            if (Find(name) is null)
                problems.Add($"'{name}' is not a parameter of {Kind} (its parameters: {string.Join(", ", Parameters.Select(p => p.Name))})");
        var resolved = new ParameterValues();
        foreach (var p in Parameters)
        {
            var value = p.Normalize(values.Contains(p.Name) ? values[p.Name] : p.Default) ?? p.Default;
            if (unread?.Contains(p.Name) != true && p.Check(value) is { } problem) problems.Add(problem);
            resolved[p.Name] = value;
        }
        if (problems.Count == 0 && unread is not { Count: > 0 } && Rule?.Invoke(resolved) is { } broken) problems.Add(broken);
        resolved.Freeze();
        return resolved;
    }

    /// <inheritdoc />
    public override string ToString() => Kind;
}

/// <summary>
/// Parameter values by name, as a node of a declared kind is made from (<see cref="NodeDescriptor.Create"/>) and
/// keeps them (<see cref="Node.Values"/>). Values are the parameter's C# type: int, double, bool, string, the enum
/// value of an <see cref="ParameterType.Enum"/> parameter, or a string map. Read-only once a node holds them.
/// </summary>
public sealed class ParameterValues
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    private bool _frozen;

    /// <summary>No values (nodes that declare nothing).</summary>
    public static ParameterValues Empty { get; } = Frozen();

    private static ParameterValues Frozen()
    {
        var values = new ParameterValues();
        values.Freeze();
        return values;
    }

    /// <summary>The value of <paramref name="name"/>, null when absent. Settable until a node holds the values.</summary>
    public object? this[string name]
    {
        get => _values.GetValueOrDefault(name);
        set
        {
            if (_frozen) throw new InvalidOperationException("these values belong to a node and cannot change; make new ones");
            _values[name] = value;
        }
    }

    /// <summary>The value of <paramref name="name"/> as <typeparamref name="T"/> (default when absent or null);
    /// throws an <see cref="InvalidCastException"/> naming the parameter when it holds another type.</summary>
    public T Get<T>(string name)
    {
        if (!_values.TryGetValue(name, out var value) || value is null) return default!;
        return value is T typed ? typed : throw new InvalidCastException($"parameter '{name}' holds {value.GetType().Name} {value}, not {typeof(T).Name}");
    }

    /// <summary>True when <paramref name="name"/> has an entry (possibly null).</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>The names that have an entry.</summary>
    public IEnumerable<string> Names => _values.Keys;

    public int Count => _values.Count;

    internal void Freeze() => _frozen = true;
}
