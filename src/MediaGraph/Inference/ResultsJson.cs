using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MediaGraph;

/// <summary>System.Text.Json metadata for the result types, made at compile time (no reflection: the CLI is Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TextLines))]
[JsonSerializable(typeof(TextDetections))]
[JsonSerializable(typeof(Classification))]
[JsonSerializable(typeof(RecognizedText))]
[JsonSerializable(typeof(Detections))]
internal sealed partial class ResultsJsonContext : JsonSerializerContext;

/// <summary>How results are written as JSON: the built-in result types, and the app's own through a resolver.</summary>
internal static class ResultsJson
{
    /// <summary>The property name a result type is written under ("text", "regions", ...), null for a value that
    /// is not a result this writer knows.</summary>
    public static string? NameOf(object value) => value switch
    {
        TextLines => "text",
        TextDetections => "regions",
        Classification => "classification",
        RecognizedText => "recognized",
        Detections => "detections",
        _ => null,
    };

    /// <summary>Writes every result on <paramref name="values"/> as properties of the current object; values of
    /// other types are written when <paramref name="resolver"/> knows them (under their type's name, camel-cased).</summary>
    public static void WriteResults(Utf8JsonWriter writer, IReadOnlyList<object> values, IJsonTypeInfoResolver? resolver, JsonSerializerOptions? appOptions)
    {
        foreach (var value in values)
        {
            var type = value.GetType();
            if (NameOf(value) is { } name)
            {
                writer.WritePropertyName(name);
                JsonSerializer.Serialize(writer, value, ResultsJsonContext.Default.GetTypeInfo(type)!);
            }
            else if (resolver is not null && appOptions is not null && resolver.GetTypeInfo(type, appOptions) is { } info)
            {
                writer.WritePropertyName(JsonNamingPolicy.CamelCase.ConvertName(type.Name));
                JsonSerializer.Serialize(writer, value, info);
            }
        }
    }
}
