using System.Globalization;

namespace MediaGraph;

/// <summary>The value types a node parameter can have.</summary>
public enum ParameterType
{
    /// <summary>A whole number (<see cref="int"/>).</summary>
    Int,
    /// <summary>A number (<see cref="double"/>).</summary>
    Double,
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>Text.</summary>
    String,
    /// <summary>One of a fixed list of names; the value is the C# value each name stands for.</summary>
    Enum,
    /// <summary>Names to text values (FFmpeg option maps): <see cref="IReadOnlyDictionary{TKey,TValue}"/> of strings.</summary>
    StringMap,
}

/// <summary>
/// One declared parameter of a node kind: name, type, default, allowed values or range, doc text, required or not.
/// The JSON form, <see cref="Node.DescribeOptions"/>, <c>ToDot()</c> and validation are all derived from it.
/// Made with the factory methods (<see cref="Int"/>, <see cref="Enum{T}"/> ...); immutable.
/// </summary>
public sealed class Parameter
{
    private readonly (string Name, object Value)[] _choices;
    private readonly Func<object, string?>? _rule;

    private Parameter(string name, ParameterType type, string doc, object? @default, bool required,
        double? min = null, double? max = null, (string, object)[]? choices = null, Func<object, string?>? rule = null,
        bool takesNumbers = false)
    {
        TakesNumbers = takesNumbers;
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(doc);
        Name = name;
        Type = type;
        Doc = doc;
        Default = @default;
        Required = required && @default is null;
        Min = min;
        Max = max;
        _choices = choices ?? [];
        _rule = rule;
    }

    /// <summary>The parameter's name, as written in JSON, DOT labels and messages ("width", "method").</summary>
    public string Name { get; }
    public ParameterType Type { get; }
    /// <summary>What it does, in a sentence.</summary>
    public string Doc { get; }
    /// <summary>The value when none is given; null for a required parameter or an optional one that is absent.</summary>
    public object? Default { get; }
    /// <summary>True when a value must be given.</summary>
    public bool Required { get; }
    /// <summary>Smallest allowed value of a number, if bounded.</summary>
    public double? Min { get; }
    /// <summary>Largest allowed value of a number, if bounded.</summary>
    public double? Max { get; }
    /// <summary>True for a text parameter that also takes a number as its text (an <see cref="Expression"/>: JSON
    /// <c>"x": 16</c> and <c>"x": "main_w-overlay_w-16"</c> alike).</summary>
    public bool TakesNumbers { get; }
    /// <summary>The allowed names of an <see cref="ParameterType.Enum"/> parameter, in the declared order.</summary>
    public IReadOnlyList<string> Allowed => _choices.Select(c => c.Name).ToArray();

    /// <summary>A whole-number parameter; <paramref name="rule"/> returns what is wrong with a value (or null), for
    /// rules a range cannot say ("must be positive, or -1 to keep the aspect ratio").</summary>
    public static Parameter Int(string name, string doc, int? @default = null, int? min = null, int? max = null,
        bool required = false, Func<int, string?>? rule = null)
        => new(name, ParameterType.Int, doc, @default, required, min, max, rule: rule is null ? null : v => rule((int)v));

    /// <summary>A number parameter (whole numbers are accepted and widened).</summary>
    public static Parameter Double(string name, string doc, double? @default = null, double? min = null, double? max = null, bool required = false)
        => new(name, ParameterType.Double, doc, @default, required, min, max);

    /// <summary>A true/false parameter.</summary>
    public static Parameter Bool(string name, string doc, bool @default = false)
        => new(name, ParameterType.Bool, doc, @default, required: false);

    /// <summary>A text parameter; <paramref name="rule"/> returns what is wrong with a value (or null).</summary>
    public static Parameter String(string name, string doc, string? @default = null, bool required = false, Func<string, string?>? rule = null)
        => new(name, ParameterType.String, doc, @default, required, rule: rule is null ? null : v => rule((string)v));

    /// <summary>An expression in FFmpeg's syntax (libavutil/eval, as filter options such as overlay's x take:
    /// <c>main_w-overlay_w-10</c>), or a plain number, kept as text; the node parses it over its own variables when
    /// the graph is validated.</summary>
    public static Parameter Expression(string name, string doc, string @default)
        => new(name, ParameterType.String, doc, @default, required: false, takesNumbers: true);

    /// <summary>One of <paramref name="choices"/>: each a name (as in JSON, "fast_bilinear") and the C# value it
    /// stands for (<c>ScaleAlgorithm.FastBilinear</c>).</summary>
    public static Parameter Enum<T>(string name, string doc, T @default, params (string Name, T Value)[] choices) where T : notnull
    {
        if (choices.Length == 0) throw new ArgumentException($"parameter '{name}' needs at least one choice", nameof(choices));
        if (!choices.Any(c => c.Value.Equals(@default))) throw new ArgumentException($"the default of parameter '{name}' is not one of its choices", nameof(@default));
        return new(name, ParameterType.Enum, doc, @default, required: false, choices: choices.Select(c => (c.Name, (object)c.Value)).ToArray());
    }

    /// <summary>One of the names <paramref name="allowed"/>; the value is the name itself.</summary>
    public static Parameter Choice(string name, string doc, string @default, params string[] allowed)
        => Enum(name, doc, @default, allowed.Select(a => (a, a)).ToArray());

    /// <summary>A map of names to text values (FFmpeg options), optional.</summary>
    public static Parameter StringMap(string name, string doc)
        => new(name, ParameterType.StringMap, doc, null, required: false);

    /// <summary>The value in the parameter's own type (an int for a double parameter becomes a double, a choice's
    /// name its value), or <paramref name="value"/> unchanged when it cannot be converted (<see cref="Check"/> then
    /// says why).</summary>
    public object? Normalize(object? value) => value switch
    {
        int i when Type == ParameterType.Double => (double)i,
        int i when TakesNumbers => i.ToString(CultureInfo.InvariantCulture),
        double d when TakesNumbers => d.ToString("R", CultureInfo.InvariantCulture),
        string name when Type == ParameterType.Enum && NameOf(name) is null && TryParseName(name, out var choice) => choice,
        _ => value,
    };

    /// <summary>What is wrong with <paramref name="value"/> ("'width' is 0; it must be ..."), or null when it is
    /// fine. The caller prefixes the node.</summary>
    public string? Check(object? value)
    {
        value = Normalize(value);
        if (value is null || Required && value is string text && string.IsNullOrWhiteSpace(text)) return Required ? $"'{Name}' is missing" : null;
        var typeOk = Type switch
        {
            ParameterType.Int => value is int,
            ParameterType.Double => value is double,
            ParameterType.Bool => value is bool,
            ParameterType.String => value is string,
            ParameterType.Enum => true,
            ParameterType.StringMap => value is IReadOnlyDictionary<string, string>,
            _ => false,
        };
        if (!typeOk) return $"'{Name}' must be {Expected}, not {value.GetType().Name} {value}";
        if (Type == ParameterType.Enum && NameOf(value) is null)
            return $"'{Name}' is '{value}'; it must be one of {string.Join(", ", Allowed)}";
        if (value is int or double)
        {
            var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (Min is { } min && number < min || Max is { } max && number > max || double.IsNaN(number))
                return $"'{Name}' is {Format(value)}; it must be {RangeText()}";
        }
        return _rule?.Invoke(value) is { } broken ? $"'{Name}' is {Format(value)}; {broken}" : null;
    }

    /// <summary>"a whole number", "true or false" ...: what a value of this type looks like, for messages.</summary>
    public string Expected => Type switch
    {
        ParameterType.Int => "a whole number",
        ParameterType.Double => "a number",
        ParameterType.Bool => "true or false",
        ParameterType.String => "a string",
        ParameterType.Enum => $"one of {string.Join(", ", Allowed)}",
        _ => "an object of names and values",
    };

    private string RangeText() => (Min, Max) switch
    {
        ({ } min, { } max) => $"from {Number(min)} to {Number(max)}",
        ({ } min, null) => $"at least {Number(min)}",
        (null, { } max) => $"at most {Number(max)}",
        _ => "a number",
    };

    private static string Number(double d) => d.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name an <see cref="ParameterType.Enum"/> value stands for, null when it is not a choice.</summary>
    public string? NameOf(object value)
    {
        foreach (var (name, v) in _choices)
            if (v.Equals(value)) return name;
        return null;
    }

    /// <summary>The value an <see cref="ParameterType.Enum"/> name stands for.</summary>
    public bool TryParseName(string name, out object value)
    {
        foreach (var (n, v) in _choices)
            if (n == name) { value = v; return true; }
        value = null!;
        return false;
    }

    /// <summary>A value as text: "1280", "0.5", "true", "bicubic", "movflags=+faststart".</summary>
    public string Format(object? value) => Normalize(value) switch
    {
        null => "",
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s when Type != ParameterType.Enum => s,
        IReadOnlyDictionary<string, string> map => string.Join(",", map.Select(kv => $"{kv.Key}={kv.Value}")),
        var other => NameOf(other) ?? other.ToString() ?? "",
    };

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type.ToString().ToLowerInvariant()})";
}
