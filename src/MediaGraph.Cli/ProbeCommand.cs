using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaGraph.Cli;

/// <summary><c>mediagraph probe IN [--json]</c>: what an input holds (format, duration, streams), like ffprobe.
/// Opens the input once; decodes nothing.</summary>
internal static class ProbeCommand
{
    public static Command Create(CliContext cli)
    {
        var input = new Argument<string>("input") { Description = "Input file or URL" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var command = new Command("probe", "Describe an input: container format, duration and streams") { input, json };
        foreach (var option in cli.InputPolicyOptions) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var info = InputInfo.Probe(parse.GetValue(input)!, cli.WithInputPolicy(parse, new DecodeOptions()));
            cli.Out.WriteLine(parse.GetValue(json) ? JsonSerializer.Serialize(ProbeResult.From(info), ProbeJsonContext.Default.ProbeResult) : info.ToString());
            return 0;
        });
        return command;
    }
}

/// <summary>The JSON form of <see cref="InputInfo"/>; unknown numbers are null, not NaN (which JSON lacks).</summary>
/// <remarks>Besides the summary fields, the names and values of <c>ffprobe -show_format -show_streams</c> (profile,
/// level, colour, frame rates as fractions, channel layout, disposition, tags), camel-cased.</remarks>
internal sealed record ProbeResult(string Url, string Format, double? DurationSeconds, double? StartSeconds,
    [property: JsonPropertyOrder(1)] IReadOnlyList<ProbeStream> Streams)
{
    public string? FormatLongName { get; init; }
    public long? SizeBytes { get; init; }
    public long? BitRate { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public static ProbeResult From(InputInfo info) => new(info.Url, info.Format, Known(info.DurationSeconds), Known(info.StartSeconds),
        info.Streams.Select(ProbeStream.From).ToArray())
    {
        FormatLongName = info.FormatLongName.Length > 0 ? info.FormatLongName : null,
        SizeBytes = info.SizeBytes >= 0 ? info.SizeBytes : null,
        BitRate = info.BitRate > 0 ? info.BitRate : null,
        Tags = info.Tags.Count > 0 ? info.Tags : null,
    };

    internal static double? Known(double value) => double.IsFinite(value) ? value : null;
}

/// <summary>One stream: the fields of its kind only (video: size, pixel format, frame rate, level, colour, field order;
/// audio: rate, channels, channel layout), then what every stream has (profile, both frame rates as ffprobe writes
/// them, disposition, tags).</summary>
internal sealed record ProbeStream
{
    public int Index { get; init; }
    public string Kind { get; init; } = "";
    public string Codec { get; init; } = "";
    public string TimeBase { get; init; } = "";
    public long? BitRate { get; init; }
    public long? FrameCount { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public string? PixelFormat { get; init; }
    public double? FrameRate { get; init; }
    public bool? Interlaced { get; init; }
    public int? SampleRate { get; init; }
    public int? Channels { get; init; }
    public string? SampleFormat { get; init; }
    public string? Profile { get; init; }
    public int? Level { get; init; }
    public string? ColorRange { get; init; }
    public string? ColorSpace { get; init; }
    public string? ColorPrimaries { get; init; }
    public string? ColorTransfer { get; init; }
    public string? FieldOrder { get; init; }
    public string? RealFrameRate { get; init; }
    public string? AverageFrameRate { get; init; }
    public string? ChannelLayout { get; init; }
    public IReadOnlyList<string> Disposition { get; init; } = [];
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public static ProbeStream From(StreamDescription s)
    {
        var stream = new ProbeStream
        {
            Index = s.Index,
            Kind = s.Kind.ToString().ToLowerInvariant(),
            Codec = s.Codec,
            TimeBase = s.TimeBase.ToString(),
            BitRate = s.BitRate > 0 ? s.BitRate : null,
            FrameCount = s.FrameCount > 0 ? s.FrameCount : null,
            Profile = s.Profile,
            RealFrameRate = Fraction(s.RealFrameRate),
            AverageFrameRate = Fraction(s.FrameRate),
            Disposition = s.Disposition.ToNames(),
            Tags = s.Tags.Count > 0 ? s.Tags : null,
        };
        return s.Kind switch
        {
            MediaKind.Video => stream with
            {
                Width = s.Width, Height = s.Height, PixelFormat = s.PixelFormat.Name,
                FrameRate = s.FrameRate.IsValid ? Math.Round(s.FrameRate.ToDouble(), 3) : null, Interlaced = s.IsInterlaced,
                Level = s.Level, ColorRange = s.ColorRange, ColorSpace = s.ColorSpace, ColorPrimaries = s.ColorPrimaries,
                ColorTransfer = s.ColorTransfer, FieldOrder = s.FieldOrderName,
            },
            MediaKind.Audio => stream with
            {
                SampleRate = s.SampleRate, Channels = s.Channels, SampleFormat = s.SampleFormat.Name, ChannelLayout = s.ChannelLayout,
            },
            _ => stream,
        };
    }

    /// <summary>A rate as ffprobe writes it ("25/1", "30000/1001"; "0/0" when unknown).</summary>
    private static string Fraction(Rational rate) => rate.IsValid ? rate.ToString() : "0/0";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(ProbeResult))]
internal sealed partial class ProbeJsonContext : JsonSerializerContext;
