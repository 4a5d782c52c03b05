namespace MediaGraph;

/// <summary>Steps 3 and 4 of reading: check every stream reference, order the nodes by them (cycles are found
/// here), then build the graph with the fluent API.</summary>
internal sealed partial class JsonGraphReader
{
    // ---- step 3: references and order ----

    private static (string Target, string? Port) Split(string reference)
    {
        var dot = reference.IndexOf('.');
        return dot < 0 ? (reference, null) : (reference[..dot], reference[(dot + 1)..]);
    }

    /// <summary>The kind a slot takes: an encode's video or audio, or the declared kind of a registered node's input
    /// (a filter's inputs take what its pads take, checked when it is built).</summary>
    private static MediaKind? SlotKind(ParsedNode consumer, string slot)
    {
        if (consumer.Declared is null) return slot switch { "video" => MediaKind.Video, "audio" => MediaKind.Audio, _ => null };
        var index = slot == "input" ? 0 : slot.StartsWith("inputs[", StringComparison.Ordinal) ? int.Parse(slot.AsSpan(7, slot.Length - 8)) : -1;
        return consumer.Declared.Inputs is { } inputs && index >= 0 && index < inputs.Count ? inputs[index].Kind : null;
    }

    private void CheckReference(ParsedNode node, string slot, string text)
    {
        var (target, port) = Split(text);
        if (!_byId.TryGetValue(target, out var source))
        {
            _problems.Add($"{node}: {slot} '{text}' refers to unknown node '{target}' (ids in this graph: {string.Join(", ", _byId.Keys)})");
            return;
        }
        MediaKind? kind = null;
        string? problem = null;
        if (source.Declared is { } declared)
        {
            var index = port is null ? 0 : ParseOutputIndex(port);
            if (declared.Outputs is not { } outputs)
            {
                if (index is null) problem = $"a {source.Type} node's outputs are '{target}' (the first), '{target}.out0', '{target}.out1' ...";
            }
            else if (index is not { } i || i >= outputs.Count)
                problem = outputs.Count switch
                {
                    0 => $"node '{target}' ({source.Type}) has no outputs",
                    1 => $"node '{target}' ({source.Type}) has one output, '{target}'",
                    var n => $"node '{target}' ({source.Type}) has {n} outputs, '{target}.out0' to '{target}.out{n - 1}'",
                };
            else kind = outputs[i].Kind;
        }
        else if (source.Type == "decode")
        {
            if (port is null) problem = $"'{target}' is an input, not a stream: use '{target}.video' or '{target}.audio'";
            else if (ParseStreamPort(port) is { } stream) kind = stream.Kind;
            else problem = $"an input's streams are '{target}.video', '{target}.audio', '{target}.video:N' and '{target}.audio:N' (N counts from 0)";
        }
        else problem = $"node '{target}' is an encode node; it writes a file and has no streams to take";
        if (problem is not null) _problems.Add($"{node}: {slot} '{text}' is not a stream: {problem}");
        else if (kind is { } k && SlotKind(node, slot) is { } expected && k != expected) _problems.Add(KindMismatch(node, slot, text, k, expected));
    }

    private static string KindMismatch(ParsedNode node, string slot, string text, MediaKind actual, MediaKind expected)
        => $"{node}: {slot} '{text}' is {Article(actual)} stream, but {slot} takes {GraphJson.MediaName(expected)}";

    private static string Article(MediaKind kind) => kind == MediaKind.Audio ? "an audio" : $"a {GraphJson.MediaName(kind)}";

    /// <summary>"video", "audio:1" → kind and nth (-1 for the best stream); null when malformed.</summary>
    internal static (MediaKind Kind, int Nth)? ParseStreamPort(string port)
    {
        var parts = port.Split(':');
        MediaKind? kind = parts[0] switch { "video" => MediaKind.Video, "audio" => MediaKind.Audio, _ => null };
        if (kind is null || parts.Length > 2) return null;
        if (parts.Length == 1) return (kind.Value, -1);
        return int.TryParse(parts[1], System.Globalization.NumberStyles.None, null, out var nth) ? (kind.Value, nth) : null;
    }

    private static int? ParseOutputIndex(string port)
        => port.StartsWith("out", StringComparison.Ordinal) && int.TryParse(port.AsSpan(3), System.Globalization.NumberStyles.None, null, out var i) ? i : null;

    /// <summary>Depth-first in document order, dependencies first; a reference back into the current path is a cycle.</summary>
    private List<ParsedNode> DependencyOrder()
    {
        var order = new List<ParsedNode>();
        var done = new HashSet<ParsedNode>();
        var path = new List<ParsedNode>();
        var cycles = new HashSet<string>();
        void Visit(ParsedNode node)
        {
            path.Add(node);
            foreach (var (_, text) in node.References)
            {
                if (!_byId.TryGetValue(Split(text).Target, out var dependency) || done.Contains(dependency)) continue;
                var at = path.IndexOf(dependency);
                if (at < 0)
                {
                    Visit(dependency);
                    continue;
                }
                var loop = path.Skip(at).Select(n => n.Id).Append(dependency.Id).ToArray();
                if (cycles.Add(string.Join(",", loop.Skip(1).Order(StringComparer.Ordinal))))
                    _problems.Add($"the graph has a cycle through {string.Join(" → ", loop)}: a stream cannot feed back into the nodes it came from");
            }
            path.RemoveAt(path.Count - 1);
            done.Add(node);
            order.Add(node);
        }
        foreach (var node in _nodes)
            if (!done.Contains(node)) Visit(node);
        return order;
    }

    // ---- step 4: build ----

    private void Build(ParsedNode node)
    {
        try
        {
            _graph.InSubgraph(node.Subgraph, () => BuildIn(node));
        }
        catch (Exception e) when (e is ArgumentException or MediaGraphException or InvalidOperationException)
        {
            var message = e is ArgumentException { ParamName: { } p } ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;
            _problems.Add($"{node}: {message}");
        }
    }

    /// <summary>Builds <paramref name="node"/> in its subgraph; returns true (a value for <see cref="Graph.InSubgraph{T}"/>).</summary>
    private bool BuildIn(ParsedNode node)
    {
        {
            if (node.SubgraphKind is { } kind)
            {
                var streams = new List<MediaStream>();
                foreach (var (slot, text) in node.References)
                    if (Resolve(node, slot, text) is { } stream) streams.Add(stream);
                if (streams.Count < node.References.Count) return true;
                // A subgraph kind expands into its nodes, grouped under the node's id (inside its own subgraph).
                var path = node.Subgraph is { } outer ? $"{outer}/{node.Id}" : node.Id;
                _built[node.Id] = _graph.UseSubgraph(path, kind, node.Values!, streams).ToArray();
                return true;
            }
            if (node.Declared is { } declared)
            {
                var inputs = new List<MediaStream>();
                foreach (var (slot, text) in node.References)
                    if (Resolve(node, slot, text) is { } stream) inputs.Add(stream);
                if (inputs.Count < node.References.Count) return true;
                var built = declared.Create(node.Values!);
                _graph.Add(built, inputs.ToArray());
                _built[node.Id] = Name(built, node.Id);
                return true;
            }
            switch (node.Entry)
            {
                case DecodeEntry d:
                    DecodeOptions decodeOptions;
                    try { decodeOptions = GraphJson.ToOptions(d.Options); }
                    catch (FormatException problem) { _problems.Add($"{node}: options: {problem.Message}"); return true; }
                    var input = _graph.Decode(d.Url!, decodeOptions);
                    Name(input.Demux, node.Id);
                    _built[node.Id] = input;
                    break;
                case EncodeEntry e:
                    VideoStream? video = null;
                    AudioStream? audio = null;
                    if (e.Video is not null && (video = Resolve(node, "video", e.Video) as VideoStream) is null) return true;
                    if (e.Audio is not null && (audio = Resolve(node, "audio", e.Audio) as AudioStream) is null) return true;
                    var mux = Name(_graph.Encode(e.Path!, video, audio, GraphJson.ToOptions(e.Options)), node.Id);
                    foreach (var port in mux.Inputs)
                        if (port.Source?.Node is EncodeNode encoder) NameImplicit(encoder, $"{node.Id}-{GraphJson.MediaName(encoder.MediaKind)}");
                    _built[node.Id] = mux;
                    break;
            }
        }
        return true;
    }

    /// <summary>The stream <paramref name="text"/> names; null when its node failed to build (that problem is
    /// already reported) or when it is of the wrong kind (reported here).</summary>
    private MediaStream? Resolve(ParsedNode consumer, string slot, string text)
    {
        var (target, port) = Split(text);
        if (!_built.TryGetValue(target, out var built)) return null;
        MediaStream stream;
        if (built is InputFile input)
        {
            var (kind, nth) = ParseStreamPort(port!)!.Value;
            stream = kind == MediaKind.Video ? input.VideoStreamAt(nth) : input.AudioStreamAt(nth);
            NameImplicit(stream.Port.Node, $"{target}-{port!.Replace(":", "")}");
        }
        else if (built is MediaStream[] outputs)
        {
            var index = port is null ? 0 : ParseOutputIndex(port)!.Value;
            if (index >= outputs.Length)
            {
                _problems.Add($"{consumer}: {slot} '{text}' does not exist: subgraph '{target}' has {outputs.Length} output(s)");
                return null;
            }
            stream = outputs[index];
        }
        else
        {
            var node = (Node)built;
            var index = port is null ? 0 : ParseOutputIndex(port)!.Value;
            if (index >= node.Outputs.Count)
            {
                _problems.Add($"{consumer}: {slot} '{text}' does not exist: node '{target}' has {node.Outputs.Count} output(s), '{target}.out0' to '{target}.out{node.Outputs.Count - 1}'");
                return null;
            }
            stream = _graph.Streams(node).Output(index);
        }
        if (SlotKind(consumer, slot) is { } expected && stream.Kind != expected)
        {
            _problems.Add(KindMismatch(consumer, slot, text, stream.Kind, expected));
            return null;
        }
        return stream;
    }

    private T Name<T>(T node, string id) where T : Node
    {
        node.Rename(id);
        _named.Add(node);
        return node;
    }

    /// <summary>Names a node the builder made for us (decoder, encoder) after its JSON node, so names are the same
    /// on every read and never collide with an id.</summary>
    private void NameImplicit(Node node, string name)
    {
        if (!_named.Add(node)) return;
        var candidate = name;
        for (var n = 2; _byId.ContainsKey(candidate) || _graph.Nodes.Any(x => x != node && x.Name == candidate); n++) candidate = $"{name}-{n}";
        node.Rename(candidate);
    }
}
