using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>System.Text.Json metadata for the result types, made at compile time (no reflection: the CLI is Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(PointJsonConverter)])]
[JsonSerializable(typeof(IReadOnlyList<TextLine>))]
[JsonSerializable(typeof(IReadOnlyList<TextRegion>))]
[JsonSerializable(typeof(IReadOnlyList<ClassScore>))]
[JsonSerializable(typeof(RecognizedText))]
[JsonSerializable(typeof(IReadOnlyList<Detection>))]
[JsonSerializable(typeof(TextLine))]
[JsonSerializable(typeof(TextRegion))]
[JsonSerializable(typeof(Detection))]
internal sealed partial class ResultsJsonContext : JsonSerializerContext;

/// <summary>A point as <c>[x, y]</c>, to a tenth of a pixel.</summary>
internal sealed class PointJsonConverter : JsonConverter<PointF32>
{
    public override PointF32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a point is [x, y]");
        reader.Read();
        var x = reader.GetSingle();
        reader.Read();
        var y = reader.GetSingle();
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("a point is [x, y]");
        return new PointF32(x, y);
    }

    public override void Write(Utf8JsonWriter writer, PointF32 value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(MathF.Round(value.X, 1));
        writer.WriteNumberValue(MathF.Round(value.Y, 1));
        writer.WriteEndArray();
    }
}

/// <summary>How results are written as JSON: the built-in result types, and the app's own through a resolver.</summary>
internal static class ResultsJson
{
    /// <summary>Writes every result on <paramref name="values"/> as properties of the current object; values of
    /// other types are written when <paramref name="resolver"/> knows them (under their type's name, camel-cased).</summary>
    public static void WriteResults(Utf8JsonWriter writer, IReadOnlyList<object> values, IJsonTypeInfoResolver? resolver, JsonSerializerOptions? appOptions)
    {
        var context = ResultsJsonContext.Default;
        Tracks? tracks = null;
        foreach (var value in values)
            if (value is Tracks t) tracks = t;
        foreach (var value in values)
        {
            // The list types are written as their lists: "text": [...], not "text": {"lines": [...]}; a result a tracker
            // follows carries its track id as "track".
            switch (value)
            {
                case TextLines t: WriteList(writer, "text", t.Lines, context.TextLine, Ids(tracks, TrackSource.TextLines)); break;
                case TextDetections d: WriteList(writer, "regions", d.Regions, context.TextRegion, Ids(tracks, TrackSource.TextRegions)); break;
                case Classification c: Write(writer, "classification", c.Top, context.IReadOnlyListClassScore); break;
                case Detections d: WriteList(writer, "detections", d.Items, context.Detection, Ids(tracks, TrackSource.Detections)); break;
                case RecognizedText r: Write(writer, "recognized", r, context.RecognizedText); break;
                case Tracks: break; // written on the results it follows
                default:
                    var type = value.GetType();
                    if (resolver is not null && appOptions is not null && resolver.GetTypeInfo(type, appOptions) is { } info)
                    {
                        writer.WritePropertyName(JsonNamingPolicy.CamelCase.ConvertName(type.Name));
                        JsonSerializer.Serialize(writer, value, info);
                    }
                    break;
            }
        }
    }

    private static Tracks? Ids(Tracks? tracks, TrackSource source) => tracks?.Source == source ? tracks : null;

    /// <summary>Writes <paramref name="items"/> as an array of objects, each with <c>"track": id</c> first when
    /// <paramref name="tracks"/> gives it one.</summary>
    private static void WriteList<T>(Utf8JsonWriter writer, string name, IReadOnlyList<T> items, JsonTypeInfo<T> info, Tracks? tracks)
    {
        writer.WritePropertyName(name);
        writer.WriteStartArray();
        for (var i = 0; i < items.Count; i++)
        {
            if (tracks?.IdOf(i) is not { } id)
            {
                JsonSerializer.Serialize(writer, items[i], info);
                continue;
            }
            using var element = JsonSerializer.SerializeToDocument(items[i], info);
            writer.WriteStartObject();
            writer.WriteNumber("track", id);
            foreach (var property in element.RootElement.EnumerateObject()) property.WriteTo(writer);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void Write<T>(Utf8JsonWriter writer, string name, T value, JsonTypeInfo<T> info)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, value, info);
    }
}
