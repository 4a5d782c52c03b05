using System.Text.Encodings.Web;
using System.Text.Json;

namespace MediaGraph;

/// <summary>
/// The JSON form of a graph, which <c>mediagraph run graph.json</c> runs and <see cref="Graph.ToJson"/> writes.
/// Serialization is source-generated (<see cref="GraphJsonContext"/>): no reflection, so it works trimmed and AOT.
/// </summary>
/// <remarks>
/// <code>
/// {"channelCapacity": 8, "nodes": [
///   {"id": "in",  "type": "decode", "url": "in.mpg", "options": {"threads": 2}},
///   {"id": "v1",  "type": "deinterlace", "input": "in.video", "method": "yadif", "mode": "send_frame", "parity": "auto"},
///   {"id": "v2",  "type": "scale", "input": "v1", "width": 1280, "height": 720, "algorithm": "bicubic"},
///   {"id": "f",   "type": "filter", "graph": "[0][1]overlay=10:10", "inputs": ["v2", "logo.video"]},
///   {"id": "out", "type": "encode", "path": "out.mp4", "video": "f", "audio": "in.audio",
///    "options": {"videoCodec": "libx264", "preset": "veryfast", "crf": 23, "audioCodec": "copy", "formatOptions": {"movflags": "+faststart"}}}
/// ]}
/// </code>
/// Decode and encode nodes have their own schema; every other type is a kind in <see cref="NodeRegistry"/> (built in:
/// deinterlace, scale, filter), whose properties are <c>input</c> (one stream) or <c>inputs</c> (several) and its
/// declared parameters, checked against the declaration.
/// A node's <c>id</c> becomes its name in the graph (errors, metrics, <see cref="Graph.ToDot"/>). A stream is named
/// by a reference: <c>id</c> (the node's first output), <c>id.out1</c> (a filter's output 1), <c>id.video</c> /
/// <c>id.audio</c> (an input's best stream), <c>id.video:1</c> (its second video stream). Nodes may be listed in any
/// order; they are built in dependency order. Codec "copy" in an encode node remuxes the referenced input stream's
/// packets without decoding.
/// </remarks>
internal static partial class GraphJson
{
    /// <summary>The node types of the JSON form: decode, the built-in kinds, encode, then kinds registered since.</summary>
    internal static IReadOnlyList<string> Types
    {
        get
        {
            var kinds = NodeRegistry.Kinds.Select(k => k.Kind).ToList();
            return ["decode", .. kinds.Take(NodeRegistry.BuiltInCount), "encode", .. kinds.Skip(NodeRegistry.BuiltInCount), .. NodeRegistry.SubgraphKinds.Select(k => k.Kind)];
        }
    }

    /// <summary>The generated contract with relaxed escaping: a hand-edited file keeps "+faststart" and "é" as
    /// written instead of "\u002Bfaststart" (the HTML-safe default matters only inside web pages).</summary>
    internal static readonly GraphJsonContext Context = new(new JsonSerializerOptions(GraphJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>Builds a graph from its JSON form. Throws <see cref="GraphValidationException"/> listing every
    /// problem found (syntax with line and position, unknown types, properties and references, streams of the wrong
    /// kind, cycles), each naming the node. A <c>channelCapacity</c> in the JSON is set on <paramref name="options"/>.</summary>
    public static Graph Read(string json, GraphOptions? options)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new JsonGraphReader(options ?? new GraphOptions()).Read(json);
    }

    /// <summary>Writes <paramref name="graph"/> in the JSON form. Throws <see cref="NotSupportedException"/> naming
    /// the node when the graph holds a node the JSON form cannot express (app sinks and sources, custom nodes).</summary>
    public static string Write(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return JsonGraphWriter.Write(graph);
    }

    /// <summary>True when <paramref name="id"/> can name a node: letters, digits, '_' and '-' (dots and colons are
    /// the separators of stream references).</summary>
    internal static bool IsValidId(string id) => id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    internal static string MediaName(MediaKind kind) => kind.ToString().ToLowerInvariant();

    // ---- options: entry ↔ record (every field of DecodeOptions and EncodeOptions has a JSON field) ----

    internal static DecodeOptions ToOptions(DecodeOptionsEntry? o)
    {
        var defaults = new DecodeOptions();
        return o is null ? defaults : new DecodeOptions
        {
            Format = o.Format,
            FormatOptions = o.FormatOptions,
            Threads = o.Threads ?? 0,
            VideoDecoder = o.VideoDecoder,
            KeepTimestamps = o.KeepTimestamps ?? false,
            Protocols = o.Protocols,
            AllowNetwork = o.AllowNetwork ?? false,
            AllowListen = o.AllowListen ?? false,
            OpenTimeout = o.OpenTimeoutSeconds is { } open ? TimeSpan.FromSeconds(Math.Max(0, open)) : defaults.OpenTimeout,
            ReadTimeout = o.ReadTimeoutSeconds is { } read ? TimeSpan.FromSeconds(Math.Max(0, read)) : defaults.ReadTimeout,
            MaxPixels = o.MaxPixels ?? defaults.MaxPixels,
            HwAccel = o.HwAccel is null ? HwAccel.None : ParseHwAccel(o.HwAccel),
            Reconnect = o.Reconnect,
            ReconnectDelay = o.ReconnectDelaySeconds is { } delay ? TimeSpan.FromSeconds(Math.Max(0, delay)) : defaults.ReconnectDelay,
            ReconnectMaxDelay = o.ReconnectMaxDelaySeconds is { } max ? TimeSpan.FromSeconds(Math.Max(0, max)) : defaults.ReconnectMaxDelay,
            ReconnectAttempts = Math.Max(0, o.ReconnectAttempts ?? 0),
            EdgePolicy = o.EdgePolicy is { } policy ? EdgePolicyOf(policy) : EdgePolicy.Block,
        };
    }

    /// <summary>"block", "keep-latest" / "keepLatest", "drop-oldest" / "dropOldest".</summary>
    internal static EdgePolicy EdgePolicyOf(string text)
        => Enum.TryParse<EdgePolicy>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var policy) && !char.IsDigit(text[0]) ? policy
            : throw new ArgumentException($"edgePolicy '{text}' is not one of block, keep-latest, drop-oldest");

    internal static string EdgePolicyName(EdgePolicy policy) => policy switch
    {
        EdgePolicy.KeepLatest => "keep-latest",
        EdgePolicy.DropOldest => "drop-oldest",
        _ => "block",
    };

    /// <summary>Reads "none", "auto" or "cuda" (the CLI's <c>--hwaccel</c> and the JSON field).</summary>
    internal static HwAccel ParseHwAccel(string text) => text.Trim().ToLowerInvariant() switch
    {
        "none" => HwAccel.None,
        "auto" => HwAccel.Auto,
        "cuda" or "nvdec" => HwAccel.Cuda,
        _ => throw new FormatException($"unknown hwaccel '{text}': use none, auto or cuda"),
    };

    internal static DecodeOptionsEntry? ToEntry(DecodeOptions o)
    {
        var defaults = new DecodeOptions();
        var entry = new DecodeOptionsEntry
        {
            Format = o.Format,
            FormatOptions = Copy(o.FormatOptions),
            Threads = o.Threads == 0 ? null : o.Threads,
            VideoDecoder = o.VideoDecoder,
            KeepTimestamps = o.KeepTimestamps ? true : null,
            Protocols = o.Protocols?.ToList(),
            AllowNetwork = o.AllowNetwork ? true : null,
            AllowListen = o.AllowListen ? true : null,
            OpenTimeoutSeconds = o.OpenTimeout == defaults.OpenTimeout ? null : o.OpenTimeout.TotalSeconds,
            ReadTimeoutSeconds = o.ReadTimeout == defaults.ReadTimeout ? null : o.ReadTimeout.TotalSeconds,
            MaxPixels = o.MaxPixels == defaults.MaxPixels ? null : o.MaxPixels,
            HwAccel = o.HwAccel == HwAccel.None ? null : o.HwAccel.ToString().ToLowerInvariant(),
            Reconnect = o.Reconnect,
            ReconnectDelaySeconds = o.ReconnectDelay == defaults.ReconnectDelay ? null : o.ReconnectDelay.TotalSeconds,
            ReconnectMaxDelaySeconds = o.ReconnectMaxDelay == defaults.ReconnectMaxDelay ? null : o.ReconnectMaxDelay.TotalSeconds,
            ReconnectAttempts = o.ReconnectAttempts == 0 ? null : o.ReconnectAttempts,
            EdgePolicy = o.EdgePolicy == EdgePolicy.Block ? null : EdgePolicyName(o.EdgePolicy),
        };
        return entry is { Format: null, FormatOptions: null, Threads: null, VideoDecoder: null, KeepTimestamps: null, Protocols: null,
            AllowNetwork: null, AllowListen: null, OpenTimeoutSeconds: null, ReadTimeoutSeconds: null, MaxPixels: null, HwAccel: null,
            Reconnect: null, ReconnectDelaySeconds: null, ReconnectMaxDelaySeconds: null, ReconnectAttempts: null, EdgePolicy: null } ? null : entry;
    }

    internal static EncodeOptions ToOptions(EncodeOptionsEntry? o)
    {
        var defaults = new EncodeOptions();
        return o is null ? defaults : new EncodeOptions
        {
            VideoCodec = o.VideoCodec ?? defaults.VideoCodec,
            AudioCodec = o.AudioCodec ?? defaults.AudioCodec,
            Preset = o.Preset,
            Crf = o.Crf,
            VideoBitrate = o.VideoBitrate ?? 0,
            AudioBitrate = o.AudioBitrate ?? 0,
            Gop = o.Gop ?? 0,
            MaxBFrames = o.MaxBFrames,
            PixelFormat = o.PixelFormat,
            SampleRate = o.SampleRate ?? 0,
            Threads = o.Threads ?? 0,
            Format = o.Format,
            FormatOptions = o.FormatOptions,
            VideoCodecOptions = o.VideoCodecOptions,
            AudioCodecOptions = o.AudioCodecOptions,
            FrameRateMode = o.FrameRateMode is { } mode ? FrameRateModeOf(mode) : FrameRateMode.Auto,
            FrameRate = o.FrameRate is { } rate ? FrameRateOf(rate) : null,
        };
    }

    private static FrameRateMode FrameRateModeOf(string text)
        => Enum.TryParse<FrameRateMode>(text, ignoreCase: true, out var mode) && !char.IsDigit(text[0]) ? mode
            : throw new ArgumentException($"frameRateMode '{text}' is not one of auto, cfr, vfr, passthrough");

    private static Rational FrameRateOf(string text)
    {
        try
        {
            return Rational.ParseFrameRate(text);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"frameRate '{text}' is not a frame rate: give one such as \"25\", \"30000/1001\", \"29.97\" or \"ntsc\"");
        }
    }

    /// <summary>Every field only when set. A codec left to the output format's default is not written, so reading
    /// the JSON back leaves it to the default again (the encoder the ffmpeg CLI of the running FFmpeg picks).</summary>
    internal static EncodeOptionsEntry ToEntry(EncodeOptions o, string? videoCodec, string? audioCodec) => new()
    {
        VideoCodec = videoCodec,
        AudioCodec = audioCodec,
        Preset = o.Preset,
        Crf = o.Crf,
        VideoBitrate = o.VideoBitrate == 0 ? null : o.VideoBitrate,
        AudioBitrate = o.AudioBitrate == 0 ? null : o.AudioBitrate,
        Gop = o.Gop == 0 ? null : o.Gop,
        MaxBFrames = o.MaxBFrames,
        PixelFormat = o.PixelFormat,
        SampleRate = o.SampleRate == 0 ? null : o.SampleRate,
        Threads = o.Threads == 0 ? null : o.Threads,
        Format = o.Format,
        FormatOptions = Copy(o.FormatOptions),
        FrameRateMode = o.FrameRateMode == FrameRateMode.Auto ? null : o.FrameRateMode.ToString().ToLowerInvariant(),
        FrameRate = o.FrameRate?.ToString(),
        VideoCodecOptions = Copy(o.VideoCodecOptions),
        AudioCodecOptions = Copy(o.AudioCodecOptions),
    };

    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string>? map)
        => map is null || map.Count == 0 ? null : map.ToDictionary(kv => kv.Key, kv => kv.Value);
}
