using System.Text.Json;

namespace MediaGraph;

/// <summary>
/// Writes a built graph in the JSON form: a demuxer becomes a decode node (its decoders are folded into the
/// references <c>id.video</c> / <c>id.audio</c>), an encoder–muxer group becomes one encode node, a node of a
/// registered kind (scale, deinterlace, filter, yours) is written from its declaration: its input(s), then each
/// parameter that is required or differs from its default. Node names are the ids. Nodes are written in the order
/// they were added, which is a dependency order.
/// </summary>
internal static class JsonGraphWriter
{
    public static string Write(Graph graph)
    {
        var nodes = new List<JsonElement>();
        foreach (var node in graph.Nodes)
        {
            JsonElement? element = node switch
            {
                DemuxNode d => JsonSerializer.SerializeToElement(
                    new DecodeEntry { Id = Id(d), Type = "decode", Url = d.Url, Options = GraphJson.ToEntry(d.Options), Subgraph = d.SubgraphPath },
                    GraphJson.Context.DecodeEntry),
                DecodeNode or EncodeNode => null, // folded into references and encode nodes
                MuxNode m => JsonSerializer.SerializeToElement(Encode(m), GraphJson.Context.EncodeEntry),
                { Declaration: { } declared } => Declared(node, declared),
                _ => throw Unsupported(node),
            };
            if (element is { } e) nodes.Add(e);
        }
        var document = new GraphEntry { ChannelCapacity = graph.Options.ChannelCapacity, Device = graph.Options.Device == Device.Cpu ? null : graph.Options.Device.ToString(), Nodes = nodes };
        return JsonSerializer.Serialize(document, GraphJson.Context.GraphEntry);
    }

    private static NotSupportedException Unsupported(Node node, string? why = null) => new(
        $"node '{node.Name}' ({node.Kind}) has no JSON form: " +
        (why ?? (node.Kind is "sink" or "source"
            ? "app sinks and sources are wired in code, so a graph that has one can only be built in C#"
            : $"the JSON form has only {string.Join(", ", GraphJson.Types)} nodes; declare the node's kind and register it (NodeRegistry.Register)")));

    /// <summary>A node of a registered kind: id, type, "input" (one declared input) or "inputs", then each parameter
    /// that is required or not at its default, in declaration order.</summary>
    private static JsonElement Declared(Node node, NodeDescriptor declared)
    {
        if (!ReferenceEquals(NodeRegistry.Find(declared.Kind), declared))
            throw Unsupported(node, $"its kind is not registered: call NodeRegistry.Register({node.GetType().Name}.Descriptor) first");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GraphJson.Context.Options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id(node));
            writer.WriteString("type", declared.Kind);
            if (node.SubgraphPath is { } subgraph) writer.WriteString("subgraph", subgraph);
            if (declared.Inputs is { Count: 1 }) writer.WriteString("input", Reference(node.Inputs[0]));
            else if (node.Inputs.Count > 0 || declared.Inputs is null)
            {
                writer.WriteStartArray("inputs");
                foreach (var input in node.Inputs) writer.WriteStringValue(Reference(input));
                writer.WriteEndArray();
            }
            foreach (var parameter in declared.Parameters)
            {
                var value = node.Values[parameter.Name];
                if (value is null || !parameter.Required && Equals(value, parameter.Normalize(parameter.Default))) continue;
                writer.WritePropertyName(parameter.Name);
                switch (value)
                {
                    case int i: writer.WriteNumberValue(i); break;
                    case double d: writer.WriteNumberValue(d); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    case IReadOnlyDictionary<string, string> map:
                        writer.WriteStartObject();
                        foreach (var (name, text) in map) writer.WriteString(name, text);
                        writer.WriteEndObject();
                        break;
                    default: writer.WriteStringValue(parameter.Format(value)); break;
                }
            }
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static string Id(Node node) => GraphJson.IsValidId(node.Name)
        ? node.Name
        : throw Unsupported(node, "its name is not a valid id (letters, digits, '_' and '-' only); rename it");

    /// <summary>One encode node from a muxer and the encoders (or stream copies) that feed it.</summary>
    private static EncodeEntry Encode(MuxNode mux)
    {
        string? video = null, audio = null, videoCodec = null, audioCodec = null;
        foreach (var input in mux.Inputs)
        {
            var source = input.Source ?? throw Unsupported(mux, $"input '{input.Name}' is not connected");
            var (kind, codec, reference) = source.Node switch
            {
                EncodeNode e => (e.MediaKind, e.CodecFromOutput ? null : e.Codec, Reference(e.Inputs[0])),
                DemuxNode d => (d.Selectors[source.Index].Kind, "copy", Reference(source)),
                _ => throw Unsupported(mux, $"it takes packets from '{source}', which is not an encoder or an input"),
            };
            if (kind == MediaKind.Video && video is null) (video, videoCodec) = (reference, codec);
            else if (kind == MediaKind.Audio && audio is null) (audio, audioCodec) = (reference, codec);
            else throw Unsupported(mux, "the JSON form's encode node writes at most one video and one audio stream");
        }
        var options = mux.Options;
        return new EncodeEntry
        {
            Id = Id(mux),
            Type = "encode",
            Path = mux.Path,
            Video = video,
            Audio = audio,
            Options = GraphJson.ToEntry(options, videoCodec ?? options.VideoCodec, audioCodec ?? options.AudioCodec),
            Subgraph = mux.SubgraphPath,
        };
    }

    private static string Reference(InputPort input)
        => Reference(input.Source ?? throw Unsupported(input.Node, $"input '{input.Name}' is not connected"));

    /// <summary>The JSON reference of an output: <c>in.video</c>, <c>in.audio:1</c>, <c>scale1</c>, <c>f.out1</c>.</summary>
    private static string Reference(OutputPort output)
    {
        switch (output.Node)
        {
            case DecodeNode decoder:
                return Reference(decoder.Inputs[0].Source!);
            case DemuxNode demux:
                var selector = demux.Selectors[output.Index];
                if (selector.Index >= 0 || selector.Kind is not (MediaKind.Video or MediaKind.Audio))
                    throw Unsupported(demux, $"its output '{output.Name}' picks a stream by container index; the JSON form names streams as '{demux.Name}.video', '{demux.Name}.video:N'");
                var kind = GraphJson.MediaName(selector.Kind);
                return selector.Nth >= 0 ? $"{Id(demux)}.{kind}:{selector.Nth}" : $"{Id(demux)}.{kind}";
            case { Declaration: not null } declared:
                return declared.Outputs.Count == 1 ? Id(declared) : $"{Id(declared)}.out{output.Index}";
            default:
                throw Unsupported(output.Node);
        }
    }
}
