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

    /// <summary>The slot's required kind: video for a scale or deinterlace input and an encode's video, audio for
    /// an encode's audio; a filter's inputs take what its pads take (checked when it is built).</summary>
    private static MediaKind? SlotKind(string slot) => slot switch
    {
        "input" or "video" => MediaKind.Video,
        "audio" => MediaKind.Audio,
        _ => null,
    };

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
        switch (source.Type)
        {
            case "decode" when port is null:
                problem = $"'{target}' is an input, not a stream: use '{target}.video' or '{target}.audio'";
                break;
            case "decode":
                if (ParseStreamPort(port) is { } stream) kind = stream.Kind;
                else problem = $"an input's streams are '{target}.video', '{target}.audio', '{target}.video:N' and '{target}.audio:N' (N counts from 0)";
                break;
            case "scale" or "deinterlace":
                if (port is null or "out0") kind = MediaKind.Video;
                else problem = $"node '{target}' ({source.Type}) has one output, '{target}'";
                break;
            case "filter":
                if (port is not null && ParseOutputIndex(port) is null) problem = $"a filter's outputs are '{target}' (the first), '{target}.out0', '{target}.out1' ...";
                break;
            case "encode":
                problem = $"node '{target}' is an encode node; it writes a file and has no streams to take";
                break;
        }
        if (problem is not null) _problems.Add($"{node}: {slot} '{text}' is not a stream: {problem}");
        else if (kind is { } k && SlotKind(slot) is { } expected && k != expected) _problems.Add(KindMismatch(node, slot, text, k, expected));
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
            switch (node.Entry)
            {
                case DecodeEntry d:
                    var input = _graph.Decode(d.Url!, GraphJson.ToOptions(d.Options));
                    Name(input.Demux, node.Id);
                    _built[node.Id] = input;
                    break;
                case DeinterlaceEntry d:
                    if (Resolve(node, "input", d.Input!) is not VideoStream deinterlaceInput) return;
                    _built[node.Id] = Name(deinterlaceInput.Deinterlace(GraphJson.ToOptions(d)).Port.Node, node.Id);
                    break;
                case ScaleEntry s:
                    if (Resolve(node, "input", s.Input!) is not VideoStream scaleInput) return;
                    var algorithm = s.Algorithm is null ? ScaleAlgorithm.Bicubic : GraphJson.Algorithms[s.Algorithm];
                    _built[node.Id] = Name(scaleInput.Scale(s.Width!.Value, s.Height!.Value, algorithm, s.PixelFormat).Port.Node, node.Id);
                    break;
                case FilterEntry f:
                    var inputs = new List<MediaStream>();
                    foreach (var (slot, text) in node.References)
                        if (Resolve(node, slot, text) is { } stream) inputs.Add(stream);
                    if (inputs.Count < node.References.Count) return;
                    _built[node.Id] = Name(_graph.Filter(f.Graph!, inputs.ToArray()).Node, node.Id);
                    break;
                case EncodeEntry e:
                    VideoStream? video = null;
                    AudioStream? audio = null;
                    if (e.Video is not null && (video = Resolve(node, "video", e.Video) as VideoStream) is null) return;
                    if (e.Audio is not null && (audio = Resolve(node, "audio", e.Audio) as AudioStream) is null) return;
                    var mux = Name(_graph.Encode(e.Path!, video, audio, GraphJson.ToOptions(e.Options)), node.Id);
                    foreach (var port in mux.Inputs)
                        if (port.Source?.Node is EncodeNode encoder) NameImplicit(encoder, $"{node.Id}-{GraphJson.MediaName(encoder.MediaKind)}");
                    _built[node.Id] = mux;
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or MediaGraphException or InvalidOperationException)
        {
            var message = e is ArgumentException { ParamName: { } p } ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;
            _problems.Add($"{node}: {message}");
        }
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
        else
        {
            var node = (Node)built;
            var index = port is null ? 0 : ParseOutputIndex(port)!.Value;
            if (index >= node.Outputs.Count)
            {
                _problems.Add($"{consumer}: {slot} '{text}' does not exist: node '{target}' has {node.Outputs.Count} output(s), '{target}.out0' to '{target}.out{node.Outputs.Count - 1}'");
                return null;
            }
            var streams = _graph.Streams(node);
            stream = node.Outputs[index].Kind == MediaKind.Audio ? streams.AudioOutput(index) : streams.VideoOutput(index);
        }
        if (SlotKind(slot) is { } expected && stream.Kind != expected)
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
