using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>
/// Reads the JSON form in four steps: parse (syntax, with line and position), check each node (type, properties,
/// required fields, enum values), check references and order the nodes by them (unknown ids, wrong stream kinds,
/// cycles), then build with the fluent API, so a JSON graph is exactly the graph the same C# builds. Every step
/// collects all its problems before throwing one <see cref="GraphValidationException"/>.
/// </summary>
internal sealed partial class JsonGraphReader(GraphOptions options)
{
    private sealed record ParsedNode(int Index, string Id, string Type, NodeEntry Entry, IReadOnlyList<(string Slot, string Text)> References)
    {
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
        if (type is null)
        {
            _problems.Add($"{where} has no \"type\" (one of: {string.Join(", ", GraphJson.Types)})");
            return;
        }
        var what = $"{where} ({type})";
        NodeEntry? entry = type switch
        {
            "decode" => Deserialize(element, GraphJson.Context.DecodeEntry, what),
            "deinterlace" => Deserialize(element, GraphJson.Context.DeinterlaceEntry, what),
            "scale" => Deserialize(element, GraphJson.Context.ScaleEntry, what),
            "filter" => Deserialize(element, GraphJson.Context.FilterEntry, what),
            "encode" => Deserialize(element, GraphJson.Context.EncodeEntry, what),
            _ => null,
        };
        if (!GraphJson.Types.Contains(type)) _problems.Add($"{where} has unknown type '{type}' (known types: {string.Join(", ", GraphJson.Types)})");
        if (entry is null || id is null || _ids.GetValueOrDefault(id, -1) != index) return;
        var references = CheckFields(entry, what);
        var node = new ParsedNode(index, id, type, entry, references);
        _byId[id] = node;
        _nodes.Add(node);
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
        void Size(int? value, string name)
        {
            if (value is { } v && (v == 0 || v < -2)) _problems.Add($"{what}: '{name}' must be positive, or -1 / -2 to keep the aspect ratio (-2 keeps it even), not {v}");
        }
        void OneOf<T>(string? value, string name, IReadOnlyDictionary<string, T> allowed)
        {
            if (value is not null && !allowed.ContainsKey(value)) _problems.Add($"{what}: '{name}' is '{value}'; it must be one of {string.Join(", ", allowed.Keys)}");
        }
        switch (entry)
        {
            case DecodeEntry d:
                Require(d.Url, "url");
                break;
            case ScaleEntry s:
                Require(s.Input, "input");
                Require(s.Width, "width");
                Require(s.Height, "height");
                Size(s.Width, "width");
                Size(s.Height, "height");
                if (s.Width < 0 && s.Height < 0) _problems.Add($"{what}: at most one of 'width' and 'height' may be -1 / -2");
                OneOf(s.Algorithm, "algorithm", GraphJson.Algorithms);
                Reference(s.Input, "input");
                break;
            case DeinterlaceEntry d:
                Require(d.Input, "input");
                OneOf(d.Method, "method", GraphJson.Methods);
                OneOf(d.Mode, "mode", GraphJson.Modes);
                OneOf(d.Parity, "parity", GraphJson.Parities);
                Reference(d.Input, "input");
                break;
            case FilterEntry f:
                Require(f.Graph, "graph");
                for (var i = 0; i < (f.Inputs?.Count ?? 0); i++)
                {
                    if (f.Inputs![i] is null) _problems.Add($"{what}: inputs[{i}] is null; give a stream reference");
                    else Reference(f.Inputs[i], $"inputs[{i}]");
                }
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
                var hint = info.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)) is { } near
                    ? $"did you mean '{near.Name}'?"
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
            if (type == typeof(List<string>) && segments[i].Contains('[')) return $"'{path}' must be a stream reference (a string)";
            if (i == segments.Length - 1 || !IsNested(type)) return $"'{path}' must be {Expected(type)}";
            info = GraphJson.Context.GetTypeInfo(type)!;
        }
        return $"'{path}' has a value of the wrong type";
    }

    private static string Expected(Type type) =>
        type == typeof(int?) || type == typeof(long?) ? "a whole number" :
        type == typeof(bool?) ? "true or false" :
        type == typeof(string) ? "a string" :
        type == typeof(List<string>) ? "an array of stream references (strings)" :
        type == typeof(List<JsonElement>) ? "an array of node objects" :
        "an object";
}
