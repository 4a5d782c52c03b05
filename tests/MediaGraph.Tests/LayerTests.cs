using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests;

/// <summary>
/// The layers of ../shared/DESIGN.md, checked on the source: a folder of src/MediaGraph may use only the types of the
/// folders below it. Every type a folder declares is collected; code (comments and strings left out) that names a
/// type of a folder it must not reach is reported with the file.
/// </summary>
public sealed partial class LayerTests(ITestOutputHelper log)
{
    /// <summary>Folder → the folders whose types it must never name.</summary>
    public static TheoryData<string, string[]> Rules => new()
    {
        { "Interop", ["Frames", "Runtime", "Nodes", "Graph"] }, // the floor: nothing below it reaches up
        { "Frames", ["Runtime", "Nodes", "Graph"] },           // frames know nothing of nodes or graphs
        { "Runtime", ["Nodes", "Graph"] },                     // the runtime knows no node kinds and no builder
        { "Inference", ["Runtime", "Nodes", "Graph"] },        // models, tensors and results know no nodes or runs
        { "Devices", ["Runtime", "Nodes", "Graph", "Inference"] },  // accelerators and device buffers know no nodes
        { "Kernels", ["Runtime", "Nodes", "Graph", "Inference"] },  // kernels see frames and devices only
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Layer_NamesNoTypeOfTheLayersAboveIt(string folder, string[] forbidden)
    {
        var src = Path.Combine(TestMedia.RepoRoot, "src", "MediaGraph");
        var declared = forbidden.ToDictionary(f => f, f => TypesDeclaredIn(Path.Combine(src, f)));
        var own = TypesDeclaredIn(Path.Combine(src, folder));
        var violations = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(src, folder), "*.cs", SearchOption.AllDirectories))
        {
            var words = Identifier().Matches(CodeOnly(File.ReadAllText(file))).Select(m => m.Value).ToHashSet();
            foreach (var (layer, types) in declared)
                foreach (var type in types.Where(t => words.Contains(t) && !own.Contains(t)))
                    violations.Add($"{Path.GetFileName(file)} names {type} ({layer})");
        }
        log.WriteLine($"{folder}: {own.Count} types declared; checked against {string.Join(", ", declared.Select(d => $"{d.Key} ({d.Value.Count} types)"))}");
        Assert.True(declared.Values.All(t => t.Count > 0) || folder == "Interop", "the check found no types to look for");
        Assert.Empty(violations);
    }

    private static HashSet<string> TypesDeclaredIn(string folder) => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
        .SelectMany(f => Declaration().Matches(CodeOnly(File.ReadAllText(f))).Select(m => m.Groups[1].Value))
        .ToHashSet();

    /// <summary>The source without comments, string and character literals.</summary>
    private static string CodeOnly(string source) => Noise().Replace(source, " ");

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])'", RegexOptions.Singleline)]
    private static partial Regex Noise();

    // Types other code can name: private nested types ("Instance" in every node, partial or not) are left out.
    [GeneratedRegex(@"(?<!private\s+(?:sealed\s+|static\s+|abstract\s+|partial\s+)*)\b(?:class|struct|record|enum|interface)\s+(?:struct\s+|class\s+)?([A-Z]\w*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();
}
