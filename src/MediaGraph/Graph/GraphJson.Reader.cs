using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>
/// Reads the JSON form in four steps: parse (syntax, with line and position), check each node (type, properties,
/// required fields, parameter values), check references and order the nodes by them (unknown ids, wrong stream
/// kinds, cycles), then build with the fluent API, so a JSON graph is exactly the graph the same C# builds. Decode and
/// encode nodes have their own schema; every other type is a registered kind (<see cref="NodeRegistry"/>) read from
/// its declaration: <c>"input"</c> (or <c>"inputs"</c>) plus one property per declared parameter. Every step
/// collects all its problems before throwing one <see cref="GraphValidationException"/>.
/// </summary>
internal sealed partial class JsonGraphReader(GraphOptions options)
{
    /// <summary>A node as read: <paramref name="Entry"/> for decode and encode, <paramref name="Declared"/> and
    /// <paramref name="Values"/> for a registered kind.</summary>
    private sealed record ParsedNode(int Index, string Id, string Type, NodeEntry? Entry, NodeDescriptor? Declared, ParameterValues? Values,
        IReadOnlyList<(string Slot, string Text)> References)
    {
        /// <summary>The subgraph the node belongs to (its "subgraph" field), or null.</summary>
        public string? Subgraph { get; init; }
        /// <summary>For a node of a registered subgraph kind: the kind (<see cref="Declared"/> is its shape).</summary>
        public SubgraphDescriptor? SubgraphKind { get; init; }

        public override string ToString() => $"node '{Id}' ({Type})";
    }

    private readonly List<string> _problems = new();
    private readonly Dictionary<string, ParsedNode> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal); // every id seen → its node's index
    private readonly List<ParsedNode> _nodes = new();
    private readonly Dictionary<string, object> _built = new(StringComparer.Ordinal); // id → InputFile or Node
    private readonly HashSet<Node> _named = new();
    private Graph _graph = null!;

    public Graph Read(string json)
    {
        using (var document = Parse(json))
            ReadNodes(document.RootElement);
        ThrowIfProblems();
        foreach (var node in _nodes)
            foreach (var (slot, text) in node.References) CheckReference(node, slot, text);
        var order = DependencyOrder();
        ThrowIfProblems();
        _graph = new Graph(options);
        foreach (var node in order) Build(node);
        ThrowIfProblems();
        return _graph;
    }

    private void ThrowIfProblems()
    {
        if (_problems.Count > 0) throw new GraphValidationException(_problems.ToArray());
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            var cause = e.Message.Split(" LineNumber:")[0].Split(" Path:")[0].Trim();
            throw new GraphValidationException([$"the graph JSON is malformed at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {cause}"]);
        }
    }

    // ---- step 2: each node on its own ----

    private void ReadNodes(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _problems.Add("the graph JSON must be an object: {\"nodes\": [...]}");
            return;
        }
        var graph = Deserialize(root, GraphJson.Context.GraphEntry, "the graph");
        if (graph is null) return;
        if (graph.ChannelCapacity is { } capacity)
        {
            if (capacity > 0) options.ChannelCapacity = capacity;
            else _problems.Add($"the graph: 'channelCapacity' must be positive, not {capacity}");
        }
        if (graph.Device is { } device)
        {
            try { options.Device = MediaGraph.Device.Parse(device); }
            catch (FormatException e) { _problems.Add($"the graph: 'device': {e.Message}"); }
        }
        if (graph.Nodes is not { Count: > 0 } nodes)
        {
            _problems.Add("the graph has no nodes: add a \"nodes\" array with at least a decode and an encode node");
            return;
        }
        for (var i = 0; i < nodes.Count; i++) ReadNode(i, nodes[i]);
    }

    private void ReadNode(int index, JsonElement element)
    {
        var label = $"node #{index + 1}";
        if (element.ValueKind != JsonValueKind.Object)
        {
            _problems.Add($"{label} must be an object with an \"id\" and a \"type\"");
            return;
        }
        var id = StringProperty(element, "id");
        var type = StringProperty(element, "type");
        var where = id is null ? label : $"node '{id}'";
        if (id is null) _problems.Add($"{label} has no \"id\": give it a unique name such as \"in\" or \"scale1\"");
        else if (!GraphJson.IsValidId(id)) _problems.Add($"{label}: id '{id}' may hold only letters, digits, '_' and '-' ('.' and ':' separate stream references)");
        else if (!_ids.TryAdd(id, index)) _problems.Add($"node '{id}' is defined twice (nodes #{_ids[id] + 1} and #{index + 1}): ids must be unique");
        var types = GraphJson.Types;
        if (type is null)
        {
            _problems.Add($"{where} has no \"type\" (one of: {string.Join(", ", types)})");
            return;
        }
        var what = $"{where} ({type})";
        var subgraph = StringProperty(element, "subgraph");
        if (element.TryGetProperty("subgraph", out var group) && (subgraph is null || !Graph.IsValidSubgraphPath(subgraph)))
        {
            _problems.Add($"{what}: 'subgraph' must name a subgraph: names of letters, digits, '_' and '-', nested ones joined by '/' (\"logo\", \"outer/inner\"), not {group.GetRawText()}");
            return;
        }
        var subgraphKind = type is "decode" or "encode" ? null : NodeRegistry.FindSubgraph(type);
        var declared = type is "decode" or "encode" ? null : NodeRegistry.Find(type) ?? subgraphKind?.Shape;
        if (declared is null && type is not ("decode" or "encode"))
        {
            var hint = Nearest(type, types) is { } near ? $"did you mean '{near}'? " : "";
            _problems.Add($"{where} has unknown type '{type}' ({hint}known types: {string.Join(", ", types)})");
            return;
        }
        if (declared is not null)
        {
            var references = new List<(string Slot, string Text)>();
            var values = ReadDeclared(element, declared, what, references);
            if (values is null || id is null || _ids.GetValueOrDefault(id, -1) != index) return;
            Register(new ParsedNode(index, id, type, null, declared, values, references) { Subgraph = subgraph, SubgraphKind = subgraphKind });
            return;
        }
        NodeEntry? entry = type == "decode"
            ? Deserialize(element, GraphJson.Context.DecodeEntry, what)
            : Deserialize(element, GraphJson.Context.EncodeEntry, what);
        if (entry is null || id is null || _ids.GetValueOrDefault(id, -1) != index) return;
        Register(new ParsedNode(index, id, type, entry, null, null, CheckFields(entry, what)) { Subgraph = subgraph });
    }

    private void Register(ParsedNode node)
    {
        _byId[node.Id] = node;
        _nodes.Add(node);
    }

    /// <summary>A registered kind's node: its stream references ("input" or "inputs") and one property per declared
    /// parameter, each read in the parameter's type, then checked against the declaration (range, allowed names,
    /// required, the kind's own rule). Null when anything is wrong (each problem is reported).</summary>
    private ParameterValues? ReadDeclared(JsonElement element, NodeDescriptor kind, string what, List<(string Slot, string Text)> references)
    {
        var values = new ParameterValues();
        var unread = new List<string>();
        var problems = _problems.Count;
        bool hasInput = false, hasInputs = false;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "id" or "type" or "subgraph":
                    continue;
                case "input":
                    hasInput = true;
                    if (value.ValueKind == JsonValueKind.String) references.Add(("input", value.GetString()!));
                    else _problems.Add($"{what}: 'input' must be a stream reference (a string)");
                    continue;
                case "inputs":
                    hasInputs = true;
                    if (value.ValueKind != JsonValueKind.Array)
                    {
                        _problems.Add($"{what}: 'inputs' must be an array of stream references (strings)");
                        continue;
                    }
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String) references.Add(($"inputs[{i}]", item.GetString()!));
                        else if (item.ValueKind == JsonValueKind.Null) _problems.Add($"{what}: inputs[{i}] is null; give a stream reference");
                        else _problems.Add($"{what}: 'inputs[{i}]' must be a stream reference (a string)");
                        i++;
                    }
                    continue;
            }
            if (kind.Find(property.Name) is not { } parameter)
            {
                var known = new[] { "id", "type", InputsName(kind) }.Concat(kind.Parameters.Select(p => p.Name)).ToArray();
                var hint = Nearest(property.Name, known) is { } near ? $"did you mean '{near}'?" : $"known: {string.Join(", ", known)}";
                _problems.Add($"{what}: unknown property '{property.Name}' ({hint})");
                continue;
            }
            if (value.ValueKind == JsonValueKind.Null) continue; // as if absent: the default
            if (ReadValue(value, parameter, out var read) is { } problem)
            {
                _problems.Add($"{what}: {problem}");
                unread.Add(parameter.Name);
            }
            else values[parameter.Name] = read;
        }
        if (hasInput && hasInputs) _problems.Add($"{what}: give 'input' or 'inputs', not both");
        else if (kind.Inputs is { } inputs)
        {
            if (inputs.Count == 1 && !hasInput && !hasInputs) _problems.Add($"{what}: 'input' is missing");
            else if (inputs.Count > 1 && references.Count != inputs.Count && _problems.Count == problems)
                _problems.Add($"{what}: 'inputs' must name {inputs.Count} streams ({string.Join(", ", inputs.Select(p => p.Name))}), not {references.Count}");
        }
        foreach (var problem in kind.Check(values, unread)) _problems.Add($"{what}: {problem}"); // every value read is checked too
        return _problems.Count > problems ? null : values;
    }

    private static string InputsName(NodeDescriptor kind) => kind.Inputs is { Count: 1 } ? "input" : "inputs";

    /// <summary>Reads <paramref name="json"/> as <paramref name="parameter"/>'s type; returns the problem, or null.</summary>
    private static string? ReadValue(JsonElement json, Parameter parameter, out object? value)
    {
        var name = parameter.Name;
        value = null;
        switch (parameter.Type)
        {
            case ParameterType.Int when json.ValueKind == JsonValueKind.Number && json.TryGetInt32(out var i):
                value = i;
                return null;
            case ParameterType.Double when json.ValueKind == JsonValueKind.Number:
                value = json.GetDouble();
                return null;
            case ParameterType.Bool when json.ValueKind is JsonValueKind.True or JsonValueKind.False:
                value = json.GetBoolean();
                return null;
            case ParameterType.String when json.ValueKind == JsonValueKind.String:
                value = json.GetString();
                return null;
            case ParameterType.String when json.ValueKind == JsonValueKind.Number && parameter.TakesNumbers:
                value = json.GetRawText();
                return null;
            case ParameterType.Enum when json.ValueKind == JsonValueKind.String:
                var text = json.GetString()!;
                if (parameter.TryParseName(text, out var choice))
                {
                    value = choice;
                    return null;
                }
                return $"'{name}' is '{text}'; it must be one of {string.Join(", ", parameter.Allowed)}";
            case ParameterType.StringMap when json.ValueKind == JsonValueKind.Object:
                var map = new Dictionary<string, string>();
                foreach (var option in json.EnumerateObject())
                {
                    map[option.Name] = option.Value.ValueKind switch
                    {
                        JsonValueKind.String => option.Value.GetString()!,
                        JsonValueKind.Number => option.Value.GetRawText(),
                        JsonValueKind.True => "1",
                        JsonValueKind.False => "0",
                        _ => null!,
                    };
                    if (map[option.Name] is null) return $"'{name}.{option.Name}' must be a string, a number or a boolean";
                }
                value = map;
                return null;
            default:
                return $"'{name}' must be {parameter.Expected}";
        }
    }

    /// <summary>The candidate closest to <paramref name="text"/> (same letters in another case, or one edit away,
    /// two for names of six letters or more), for "did you mean".</summary>
    internal static string? Nearest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in candidates)
        {
            var d = string.Equals(candidate, text, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(text.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance && d <= Math.Max(1, Math.Min(2, candidate.Length / 3))) (best, bestDistance) = (candidate, d);
        }
        return best;
    }

    /// <summary>Edits (insert, delete, replace, swap two neighbours) from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static string? StringProperty(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Required fields and enum values; returns the node's stream references with the field they are in.</summary>
    private List<(string Slot, string Text)> CheckFields(NodeEntry entry, string what)
    {
        var references = new List<(string, string)>();
        void Require(object? value, string name)
        {
            if (value is null || value is string s && string.IsNullOrWhiteSpace(s)) _problems.Add($"{what}: '{name}' is missing");
        }
        void Reference(string? text, string slot)
        {
            if (text is not null) references.Add((slot, text));
        }
        switch (entry)
        {
            case DecodeEntry d:
                Require(d.Url, "url");
                break;
            case EncodeEntry e:
                Require(e.Path, "path");
                if (e.Video is null && e.Audio is null) _problems.Add($"{what}: give a 'video' or an 'audio' stream (or both)");
                Reference(e.Video, "video");
                Reference(e.Audio, "audio");
                break;
        }
        return references;
    }

    /// <summary>Deserializes with the source-generated contract after refusing properties it does not know, so a
    /// typo ("widht") is an error rather than a silently ignored field.</summary>
    private T? Deserialize<T>(JsonElement element, JsonTypeInfo<T> info, string where) where T : class
    {
        var known = CheckProperties(element, info, where, "");
        if (!known) return null;
        try
        {
            return element.Deserialize(info);
        }
        catch (JsonException e)
        {
            _problems.Add($"{where}: {DescribeError(e, info)}");
            return null;
        }
    }

    private bool CheckProperties(JsonElement element, JsonTypeInfo info, string where, string prefix)
    {
        var ok = true;
        foreach (var property in element.EnumerateObject())
        {
            var match = info.Properties.FirstOrDefault(p => p.Name == property.Name);
            if (match is null)
            {
                var hint = Nearest(property.Name, info.Properties.Select(p => p.Name)) is { } near
                    ? $"did you mean '{near}'?"
                    : $"known: {string.Join(", ", info.Properties.Select(p => p.Name))}";
                _problems.Add($"{where}: unknown property '{prefix}{property.Name}' ({hint})");
                ok = false;
            }
            else if (IsNested(match.PropertyType) && property.Value.ValueKind == JsonValueKind.Object)
            {
                ok &= CheckProperties(property.Value, GraphJson.Context.GetTypeInfo(match.PropertyType)!, where, $"{prefix}{property.Name}.");
            }
        }
        return ok;
    }

    private static bool IsNested(Type type) => type == typeof(DecodeOptionsEntry) || type == typeof(EncodeOptionsEntry);

    /// <summary>"'options.crf' must be a whole number" from the serializer's path, in the schema's words.</summary>
    private static string DescribeError(JsonException e, JsonTypeInfo info)
    {
        var segments = (e.Path ?? "$").TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries);
        var path = string.Join('.', segments);
        for (var i = 0; i < segments.Length; i++)
        {
            var name = segments[i].Split('[')[0];
            var property = info.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null) break;
            var type = property.PropertyType;
            if (type == typeof(Dictionary<string, string>)) return $"'{path}': {e.Message}";
            if (i == segments.Length - 1 || !IsNested(type)) return $"'{path}' must be {Expected(type)}";
            info = GraphJson.Context.GetTypeInfo(type)!;
        }
        return $"'{path}' has a value of the wrong type";
    }

    private static string Expected(Type type) =>
        type == typeof(int?) || type == typeof(long?) ? "a whole number" :
        type == typeof(bool?) ? "true or false" :
        type == typeof(string) ? "a string" :
        type == typeof(List<JsonElement>) ? "an array of node objects" :
        "an object";
}
