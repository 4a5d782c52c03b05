using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>
/// Writes one JSON object per frame to a file (JSON lines): <c>{"stream":0,"pts":1234,"time":0.48,"results":{...}}</c>,
/// stream = the input the frame came on, pts in the frame's time base, time in seconds, and in results every
/// inference result the frame carries (<see cref="TextLines"/> as "text", <see cref="TextDetections"/> as "regions",
/// <see cref="Classification"/>, <see cref="RecognizedText"/>, <see cref="Detections"/>; the app's own result types
/// when it passes a <see cref="IJsonTypeInfoResolver"/> for them). Lines go out in the order frames arrive (in
/// order per stream); the file is flushed and closed when every input ended, also after a failure elsewhere.
/// Uses source-generated serialisation only (Native AOT safe).
/// </summary>
public sealed class JsonLinesSink : Node
{
    public JsonLinesSink(string path, int streams = 1, IJsonTypeInfoResolver? resolver = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        Path = path;
        Resolver = resolver;
        for (var i = 0; i < streams; i++) AddInput(MediaKind.Video, streams == 1 ? "in" : $"in{i}");
    }

    public string Path { get; }
    public IJsonTypeInfoResolver? Resolver { get; }

    /// <inheritdoc />
    public override string Kind => "jsonl";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string> { ["path"] = Path };

    /// <inheritdoc />
    protected internal override void Validate(ValidationContext context)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (folder is not null && !Directory.Exists(folder)) context.Problem(this, $"the folder of '{Path}' does not exist");
    }

    /// <inheritdoc />
    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(JsonLinesSink node) : NodeInstance
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();
        private FileStream? _file;
        private Utf8JsonWriter? _writer;
        private readonly JsonSerializerOptions? _appOptions = node.Resolver is null ? null : new JsonSerializerOptions { TypeInfoResolver = node.Resolver };

        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            try
            {
                _file = new FileStream(node.Path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new MediaGraphException(context.NodeName, $"cannot write '{node.Path}': {e.Message}", inner: e);
            }
            _writer = new Utf8JsonWriter(_file);
            return default;
        }

        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            using (item)
            {
                var w = _writer!;
                w.WriteStartObject();
                w.WriteNumber("stream", input);
                if (item.Pts == Timestamp.None) w.WriteNull("pts");
                else w.WriteNumber("pts", item.Pts);
                var time = item.PtsSeconds;
                if (double.IsFinite(time)) w.WriteNumber("time", Math.Round(time, 6));
                else w.WriteNull("time");
                w.WriteStartObject("results");
                ResultsJson.WriteResults(w, item.Metadata.Values, node.Resolver, _appOptions);
                w.WriteEndObject();
                w.WriteEndObject();
                w.Flush();
                w.Reset();
                _file!.Write(NewLine);
            }
            return default;
        }

        public override ValueTask DisposeAsync()
        {
            _writer?.Dispose();
            _file?.Dispose();
            _writer = null;
            _file = null;
            return default;
        }
    }
}
