using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// PP-OCR text recognition's CTC greedy decoding: at each time step the most probable class; repeats merged, the
/// blank (class 0) dropped; classes 1..n are the key file's lines, class n + 1 a space (PaddleOCR's
/// use_space_char). The confidence is the mean probability of the characters kept. Result: <see cref="RecognizedText"/>.
/// The key file is read when the model loads; a missing file or one that does not match the model's class count is
/// a load (validation) problem.
/// </summary>
public sealed class CtcDecoder : PostProcessor
{
    private string[]? _characters;

    /// <summary>A decoder with the characters of <paramref name="keyFile"/> (one per line, ppocr_keys_v1.txt).</summary>
    public CtcDecoder(string keyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        KeyFile = keyFile;
    }

    public string KeyFile { get; }

    /// <summary>The classes after the blank: the key file's characters and a space.</summary>
    public IReadOnlyList<string> Characters => _characters ?? throw new InvalidOperationException($"the key file '{KeyFile}' is read when the model loads");

    /// <inheritdoc />
    public override string? Validate(IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        if (!File.Exists(KeyFile)) return $"the key file '{KeyFile}' does not exist";
        var lines = File.ReadAllLines(KeyFile, Encoding.UTF8);
        _characters = [.. lines, " "];
        var (name, output) = outputs.First();
        var dims = output.Dimensions;
        if (dims.Length != 3) return $"output '{name}' has rank {dims.Length}; a CTC recogniser gives [batch, time, classes]";
        if (dims[2] > 0 && dims[2] != _characters.Length + 1)
            return $"the key file '{KeyFile}' has {lines.Length} characters; the model's {dims[2]} classes need {dims[2] - 2} (blank and space added)";
        return null;
    }

    /// <inheritdoc />
    public override object Process(ModelOutputs outputs, Letterbox box)
    {
        var shape = outputs.Shape(0);
        var (text, confidence) = Decode(outputs.Image(0), (int)shape[1], (int)shape[2]);
        return new RecognizedText(text, confidence);
    }

    /// <summary>Greedy CTC over <paramref name="steps"/> rows of <paramref name="classes"/> probabilities.</summary>
    public (string Text, float Confidence) Decode(ReadOnlySpan<float> probabilities, int steps, int classes)
    {
        var characters = Characters;
        var text = new StringBuilder();
        double sum = 0;
        var kept = 0;
        var previous = -1;
        for (var t = 0; t < steps; t++)
        {
            var row = probabilities.Slice(t * classes, classes);
            var best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
            if (best != 0 && best != previous && best - 1 < characters.Count)
            {
                text.Append(characters[best - 1]);
                sum += row[best];
                kept++;
            }
            previous = best;
        }
        return (text.ToString(), kept == 0 ? 0 : (float)(sum / kept));
    }
}

/// <summary>
/// Classification: softmax over the model's scores (skipped when they already sum to 1, as a model that ends in a
/// softmax gives), then the <see cref="TopK"/> classes with their labels. For PP-OCR's text-orientation classifier the
/// labels are "0" and "180". Result: <see cref="Classification"/>.
/// </summary>
public sealed class SoftmaxClassifier : PostProcessor
{
    private readonly string[] _labels;

    /// <summary>A classifier keeping the <paramref name="topK"/> best of classes named <paramref name="labels"/>
    /// (may be empty: results carry class indices only).</summary>
    public SoftmaxClassifier(int topK = 5, params string[] labels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        TopK = topK;
        _labels = labels;
    }

    public int TopK { get; }
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>PP-OCR's text-orientation classifier: labels "0" and "180".</summary>
    public static SoftmaxClassifier TextOrientation() => new(2, "0", "180");

    /// <inheritdoc />
    public override string? Validate(IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        var (name, output) = outputs.First();
        var dims = output.Dimensions;
        if (dims.Length != 2) return $"output '{name}' has rank {dims.Length}; a classifier gives [batch, classes]";
        if (_labels.Length > 0 && dims[1] > 0 && dims[1] != _labels.Length)
            return $"output '{name}' has {dims[1]} classes, but {_labels.Length} labels were given";
        return null;
    }

    /// <inheritdoc />
    public override object Process(ModelOutputs outputs, Letterbox box)
    {
        var scores = outputs.Image(0);
        Span<float> p = scores.Length <= 1024 ? stackalloc float[scores.Length] : new float[scores.Length];
        var sum = System.Numerics.Tensors.TensorPrimitives.Sum(scores);
        var isDistribution = Math.Abs(sum - 1) < 1e-3 && System.Numerics.Tensors.TensorPrimitives.Min(scores) >= 0;
        if (isDistribution) scores.CopyTo(p);
        else System.Numerics.Tensors.TensorPrimitives.SoftMax(scores, p);
        var k = Math.Min(TopK, p.Length);
        var top = new ClassScore[k];
        for (var i = 0; i < k; i++)
        {
            var best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(p);
            top[i] = new ClassScore(best, best < _labels.Length ? _labels[best] : null, p[best]);
            p[best] = float.NegativeInfinity;
        }
        return new Classification(top);
    }
}
