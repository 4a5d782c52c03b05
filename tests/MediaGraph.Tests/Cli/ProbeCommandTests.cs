using System.Text.Json;
using MediaGraph.Tests.Graph;
using Xunit;

namespace MediaGraph.Tests.Cli;

/// <summary>The probe contract for <c>mediagraph probe --json</c>: the same fields as ffprobe, camel-cased.</summary>
public sealed class ProbeCommandTests : ProbeContractTests
{
    protected override async Task<ProbeFields> ProbeAsync(string path)
    {
        var result = await CliTestMedia.RunAsync("probe", path, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        var streams = root.GetProperty("streams").EnumerateArray().Select(s => new ProbeStreamFields(
            Str(s, "kind")!, Str(s, "profile"), s.TryGetProperty("level", out var level) ? level.GetInt32() : null,
            Str(s, "colorRange"), Str(s, "colorSpace"), Str(s, "colorPrimaries"), Str(s, "colorTransfer"), Str(s, "fieldOrder"),
            Str(s, "realFrameRate")!, Str(s, "averageFrameRate")!, Str(s, "channelLayout"), Long(s, "bitRate"), Long(s, "frameCount"),
            s.GetProperty("disposition").EnumerateArray().Select(d => d.GetString()!).ToArray(), TagsOf(s))).ToArray();
        return new ProbeFields(Str(root, "formatLongName"), Long(root, "sizeBytes"), Long(root, "bitRate"), TagsOf(root), streams);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_TaggedMp4_TextNamesProfileColourLayoutAndTags()
    {
        var result = await CliTestMedia.RunAsync("probe", await TaggedAsync());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("QuickTime / MOV", result.Out);
        Assert.Contains("title: Probe test", result.Out);
        Assert.Contains("High level 40, tv, bt709, progressive", result.Out);
        Assert.Contains("5.1(side)", result.Out);
        Assert.Contains("language: fra", result.Out);
    }
}
