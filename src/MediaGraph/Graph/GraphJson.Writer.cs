using System.Text.Json;

namespace MediaGraph;

/// <summary>
/// Writes a built graph in the JSON form: a demuxer becomes a decode node (its decoders are folded into the
/// references <c>id.video</c> / <c>id.audio</c>), an encoder–muxer group becomes one encode node, scale,
/// deinterlace and filter nodes are written as themselves. Node names are the ids. Nodes are written in the order
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
                    new DecodeEntry { Id = Id(d), Type = "decode", Url = d.Url, Options = GraphJson.ToEntry(d.Options) },
                    GraphJson.Context.DecodeEntry),
                DecodeNode or EncodeNode => null, // folded into references and encode nodes
                ScaleNode s => JsonSerializer.SerializeToElement(
                    new ScaleEntry
                    {
                        Id = Id(s), Type = "scale", Input = Reference(s.Inputs[0]), Width = s.Width, Height = s.Height,
                        Algorithm = GraphJson.NameOf(GraphJson.Algorithms, s.Algorithm), PixelFormat = s.PixelFormat,
                    },
                    GraphJson.Context.ScaleEntry),
                DeinterlaceNode d => JsonSerializer.SerializeToElement(
                    new DeinterlaceEntry
                    {
                        Id = Id(d), Type = "deinterlace", Input = Reference(d.Inputs[0]),
                        Method = GraphJson.NameOf(GraphJson.Methods, d.Options.Method),
                        Mode = GraphJson.NameOf(GraphJson.Modes, d.Options.Mode),
                        Parity = GraphJson.NameOf(GraphJson.Parities, d.Options.Parity),
                        OnlyInterlacedFrames = d.Options.OnlyInterlacedFrames ? true : null,
                    },
                    GraphJson.Context.DeinterlaceEntry),
                FilterNode f when f.GetType() == typeof(FilterNode) => JsonSerializer.SerializeToElement(
                    new FilterEntry { Id = Id(f), Type = "filter", Graph = f.Description, Inputs = f.Inputs.Select(Reference).ToList() },
                    GraphJson.Context.FilterEntry),
                MuxNode m => JsonSerializer.SerializeToElement(Encode(m), GraphJson.Context.EncodeEntry),
                _ => throw Unsupported(node),
            };
            if (element is { } e) nodes.Add(e);
        }
        var document = new GraphEntry { ChannelCapacity = graph.Options.ChannelCapacity, Nodes = nodes };
        return JsonSerializer.Serialize(document, GraphJson.Context.GraphEntry);
    }

    private static NotSupportedException Unsupported(Node node, string? why = null) => new(
        $"node '{node.Name}' ({node.Kind}) has no JSON form: " +
        (why ?? (node.Kind is "sink" or "source"
            ? "app sinks and sources are wired in code, so a graph that has one can only be built in C#"
            : $"the JSON form has only {string.Join(", ", GraphJson.Types)} nodes")));

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
                EncodeNode e => (e.MediaKind, e.Codec, Reference(e.Inputs[0])),
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
            case FilterNode filter:
                return filter.Outputs.Count == 1 ? Id(filter) : $"{Id(filter)}.out{output.Index}";
            default:
                throw Unsupported(output.Node);
        }
    }
}
