using System.Text.Json;
using Xunit;

namespace MediaGraph.Tests.Cli;

/// <summary>probe, run, dot, doctor, and the command line itself.</summary>
public sealed class CommandTests
{
    [Fact(Timeout = 60000)]
    public async Task Probe_Clip_PrintsFormatAndStreams()
    {
        var input = await CliTestMedia.ClipAsync();

        var result = await CliTestMedia.RunAsync("probe", input);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("mp4", result.Out);
        Assert.Contains("video h264 320x240", result.Out);
        Assert.Contains("audio aac", result.Out);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_Json_IsParseableWithOneEntryPerStream()
    {
        var input = await CliTestMedia.ClipAsync();

        var result = await CliTestMedia.RunAsync("probe", input, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().ToArray();
        Assert.Equal(["video", "audio"], streams.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal(320, streams[0].GetProperty("width").GetInt32());
        Assert.Equal(2.0, json.RootElement.GetProperty("durationSeconds").GetDouble(), 1);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_MissingFile_ExitsOneNamingIt()
    {
        var result = await CliTestMedia.RunAsync("probe", "/nonexistent/missing-clip.mp4");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("missing-clip.mp4", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_JsonGraph_RunsItAndWritesTheOutput()
    {
        var input = await CliTestMedia.ClipAsync();
        var folder = CliTestMedia.NewFolder();
        var output = Path.Combine(folder, "out.mp4");
        var graphFile = Path.Combine(folder, "graph.json");
        await File.WriteAllTextAsync(graphFile, $$$"""
            {"nodes": [
              {"id": "out", "type": "encode", "path": {{{JsonSerializer.Serialize(output)}}}, "video": "small", "audio": "in.audio",
               "options": {"preset": "ultrafast", "audioCodec": "copy"}},
              {"id": "small", "type": "scale", "input": "flipped", "width": 160, "height": -2},
              {"id": "flipped", "type": "filter", "graph": "hflip", "inputs": ["in.video"]},
              {"id": "in", "type": "decode", "url": {{{JsonSerializer.Serialize(input)}}}}
            ]}
            """);

        var result = await CliTestMedia.RunAsync("run", graphFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new ProbedFile(50, 160, 120, HasAudio: true), await CliTestMedia.ProbeAsync(output));
        Assert.Contains("small", result.Error); // the summary names the nodes by their ids
    }

    [Fact(Timeout = 60000)]
    public async Task Run_JsonGraphWithASegmentOutput_PrintsALinePerFinishedChunk()
    {
        var input = await CliTestMedia.ClipAsync(); // 2 s at 25 fps
        var folder = CliTestMedia.NewFolder();
        var graphFile = Path.Combine(folder, "graph.json");
        await File.WriteAllTextAsync(graphFile, $$$"""
            {"nodes": [
              {"id": "in", "type": "decode", "url": {{{JsonSerializer.Serialize(input)}}}},
              {"id": "out", "type": "encode", "path": {{{JsonSerializer.Serialize(Path.Combine(folder, "part%02d.ts"))}}}, "video": "in.video",
               "options": {"videoCodec": "libx264", "preset": "ultrafast", "gop": 12, "format": "segment", "formatOptions": {"segment_time": "0.5"} } }
            ]}
            """);

        var result = await CliTestMedia.RunAsync("run", graphFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Directory.GetFiles(folder, "part*.ts").Length, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("chunk ", l));
        Assert.Equal(50, lines.Sum(l => int.Parse(l.Split(' ')[4])));
    }

    [Fact(Timeout = 60000)]
    public async Task Run_GraphWithACycle_ExitsOneNamingTheNodesAndTheFile()
    {
        var graphFile = Path.Combine(CliTestMedia.NewFolder(), "cycle.json");
        await File.WriteAllTextAsync(graphFile, """
            {"nodes": [
              {"id": "a", "type": "scale", "input": "b", "width": 10, "height": 10},
              {"id": "b", "type": "scale", "input": "a", "width": 10, "height": 10}
            ]}
            """);

        var result = await CliTestMedia.RunAsync("run", graphFile);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cycle.json", result.Error);
        Assert.Contains("a → b → a", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_MissingGraphFile_ExitsOneNamingIt()
    {
        var result = await CliTestMedia.RunAsync("run", "/nonexistent/graph-file.json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("graph-file.json", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Dot_JsonGraph_PrintsEveryNodeAndEdge()
    {
        var graphFile = Path.Combine(CliTestMedia.NewFolder(), "graph.json");
        await File.WriteAllTextAsync(graphFile, """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "does-not-need-to-exist.mp4"},
              {"id": "half", "type": "scale", "input": "in.video", "width": 160, "height": 120, "algorithm": "lanczos"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "half"}
            ]}
            """);

        var result = await CliTestMedia.RunAsync("dot", graphFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("digraph mediagraph {", result.Out);
        Assert.Contains("\"in\" -> \"in-video\"", result.Out);
        Assert.Contains("\"in-video\" -> \"half\"", result.Out);
        Assert.Contains("algorithm=lanczos", result.Out);
        Assert.Contains("\"out-video\" -> \"out\"", result.Out);
    }

    [Fact(Timeout = 60000)]
    public async Task Doctor_ThisMachine_ReportsLibrariesAndDefaultCodecs()
    {
        var result = await CliTestMedia.RunAsync("doctor");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("libavcodec", result.Out);
        Assert.Contains("encoder libx264", result.Out);
        Assert.Contains("encoder aac", result.Out);
    }

    [Fact(Timeout = 60000)]
    public async Task NoCommand_IsAUsageError()
    {
        var result = await CliTestMedia.RunAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("mediagraph --help", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Help_ListsEveryCommand()
    {
        var result = await CliTestMedia.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "transcode", "probe", "run", "dot", "doctor" }) Assert.Contains(command, result.Out);
    }
}
