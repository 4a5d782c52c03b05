using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>The inference operators of the fluent API.</summary>
public static class InferenceStreams
{
    /// <summary>Runs <paramref name="model"/> on every frame and puts its result on the frame as metadata (see
    /// <see cref="InferNode"/>); the frames come out unchanged, in order.</summary>
    public static VideoStream Infer(this VideoStream video, InferenceModel model, InferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(video);
        return video.Graph.Add(new InferNode(model, options), video).VideoOutput(0);
    }

    /// <summary>One node running <paramref name="model"/> on several streams (many cameras, one model): batches take
    /// frames from every stream; output i carries stream i's frames, in order, with their results.</summary>
    public static IReadOnlyList<VideoStream> Infer(this Graph graph, InferenceModel model, InferOptions? options, params VideoStream[] streams)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (streams.Length == 0) throw new ArgumentException("Infer needs at least one stream", nameof(streams));
        var node = graph.Add(new InferNode(model, options, streams.Length), streams);
        return Enumerable.Range(0, streams.Length).Select(node.VideoOutput).ToArray();
    }

    /// <summary>Reads text: the detector (<see cref="InferNode"/>, batched as <paramref name="detection"/> says), then
    /// each region cut out rectified, turned when upside down, and recognised (<see cref="RecognizeTextNode"/>). Each
    /// frame comes out with <see cref="TextLines"/> in reading order.</summary>
    public static VideoStream ReadText(this VideoStream video, OcrModels models, InferOptions? detection = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        return video.Infer(models.Detector, detection).Through(new RecognizeTextNode(models));
    }

    /// <summary>Writes one JSON object per frame of <paramref name="streams"/> to <paramref name="path"/> (see
    /// <see cref="JsonLinesSink"/>).</summary>
    public static JsonLinesSink WriteJsonLines(this Graph graph, string path, IJsonTypeInfoResolver? resolver, params VideoStream[] streams)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return (JsonLinesSink)graph.Add(new JsonLinesSink(path, streams.Length, resolver), streams).Node;
    }

    /// <inheritdoc cref="WriteJsonLines(Graph, string, IJsonTypeInfoResolver?, VideoStream[])"/>
    public static JsonLinesSink WriteJsonLines(this Graph graph, string path, params VideoStream[] streams) => graph.WriteJsonLines(path, null, streams);

    /// <summary>Gives the results on each frame stable track ids across frames (SORT; see <see cref="TrackNode"/>):
    /// frames come out unchanged, in order, with <see cref="Tracks"/>.</summary>
    public static VideoStream Track(this VideoStream video, TrackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(video);
        return video.Through(new TrackNode(options));
    }

    /// <summary>Draws the boxes, polygons and labels of the results riding on each frame (see
    /// <see cref="DrawDetectionsNode"/>).</summary>
    public static VideoStream DrawDetections(this VideoStream video, DrawOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(video);
        return video.Through(new DrawDetectionsNode(options));
    }
}
