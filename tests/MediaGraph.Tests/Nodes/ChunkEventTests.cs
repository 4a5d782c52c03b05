using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Segment and HLS outputs report each finished chunk (path, start, duration, frames), with FFmpeg's own
/// playlist and the ffmpeg CLI run with the same options as the oracles.</summary>
public sealed class ChunkEventTests(ITestOutputHelper log)
{
    private static async Task<(List<OutputChunk> Chunks, GraphMetrics Metrics)> RunAsync(string output, EncodeOptions options, bool scale = false)
    {
        var chunks = new List<OutputChunk>();
        var graph = new Graph();
        var video = graph.Decode(TestMedia.CityCC0).Video;
        var mux = graph.Encode(output, scale ? video.Scale(320, 180) : video, null, options);
        mux.ChunkCompleted += chunk =>
        {
            Assert.True(File.Exists(chunk.Path), $"chunk '{chunk.Path}' is reported before its file exists");
            lock (chunks) chunks.Add(chunk);
        };
        var metrics = await graph.RunAsync();
        return (chunks, metrics);
    }

    /// <summary>Video packets in each file the ffmpeg CLI wrote as <paramref name="pattern"/> (file name order).</summary>
    private static async Task<List<long>> FramesPerFileAsync(string folder, string pattern)
    {
        var counts = new List<long>();
        foreach (var file in Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal))
            counts.Add((await Ffprobe.StreamAsync(file, countFrames: false)).Packets);
        return counts;
    }

    [Fact(Timeout = 120000)]
    public async Task Segment_ReportsEveryChunkWhenItsFileIsComplete_WithTheCutsOfTheFfmpegCli()
    {
        var dir = TestMedia.OutputFolder();
        var options = new EncodeOptions { VideoCodec = "copy", Format = "segment", FormatOptions = new Dictionary<string, string> { ["segment_time"] = "2" } };

        var (chunks, metrics) = await RunAsync(Path.Combine(dir, "ours%03d.ts"), options);
        await TestMedia.RunFfmpegAsync($"-i \"{TestMedia.CityCC0}\" -map 0:v -c copy -f segment -segment_time 2 \"{Path.Combine(dir, "cli%03d.ts")}\"");
        var cli = await FramesPerFileAsync(dir, "cli*.ts");

        foreach (var c in chunks) log.WriteLine($"{c.Index} {Path.GetFileName(c.Path)} start {c.Start.TotalSeconds:0.000} duration {c.Duration.TotalSeconds:0.000} frames {c.Frames} packets {c.Packets}");
        log.WriteLine($"ffmpeg CLI chunks: {string.Join(", ", cli)} frames");
        Assert.True(chunks.Count > 1);
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => (long)i), chunks.Select(c => c.Index));
        Assert.Equal(cli, chunks.Select(c => c.Frames));
        for (var i = 0; i < chunks.Count; i++)
            Assert.Equal(chunks[i].Frames, (await Ffprobe.StreamAsync(chunks[i].Path, countFrames: false)).Packets);
        Assert.Equal(metrics.Frames, chunks.Sum(c => c.Frames));
        Assert.Equal(chunks.Sum(c => c.Frames) / 25.0, chunks.Sum(c => c.Duration.TotalSeconds), 3);
        for (var i = 1; i < chunks.Count; i++) // contiguous: each chunk starts where the one before ended
            Assert.Equal((chunks[i - 1].Start + chunks[i - 1].Duration).TotalSeconds, chunks[i].Start.TotalSeconds, 3);
    }

    [Fact(Timeout = 120000)]
    public async Task Hls_ReportsEverySegment_WithTheDurationsOfItsPlaylist_AndTheCutsOfTheFfmpegCli()
    {
        var dir = TestMedia.OutputFolder();
        var options = new EncodeOptions
        {
            VideoCodec = "libx264", Preset = "ultrafast", Gop = 25, Threads = 1,
            Format = "hls", FormatOptions = new Dictionary<string, string> { ["hls_time"] = "2", ["hls_list_size"] = "0" },
        };

        var playlist = Path.Combine(dir, "ours.m3u8");
        var (chunks, metrics) = await RunAsync(playlist, options, scale: true);
        var cliPlaylist = Path.Combine(dir, "cli.m3u8");
        await TestMedia.RunFfmpegAsync($"-i \"{TestMedia.CityCC0}\" -map 0:v -vf scale=320:180 -c:v libx264 -preset ultrafast -g 25 -threads 1 -f hls -hls_time 2 -hls_list_size 0 \"{cliPlaylist}\"");

        foreach (var c in chunks) log.WriteLine($"{c.Index} {Path.GetFileName(c.Path)} start {c.Start.TotalSeconds:0.000} duration {c.Duration.TotalSeconds:0.000} frames {c.Frames}");
        var listed = Extinf(playlist);
        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.EndsWith(".ts", c.Path));
        Assert.Equal(listed.Select(l => Path.Combine(dir, l.File)), chunks.Select(c => c.Path));
        for (var i = 0; i < chunks.Count; i++) Assert.Equal(listed[i].Seconds, chunks[i].Duration.TotalSeconds, 2);
        Assert.Equal(metrics.Frames, chunks.Sum(c => c.Frames));
        Assert.Equal(metrics.Frames / 25.0, chunks.Sum(c => c.Duration.TotalSeconds), 2);
        Assert.Equal(await FramesPerFileAsync(dir, "cli*.ts"), chunks.Select(c => c.Frames));
        Assert.Equal(Extinf(cliPlaylist).Select(l => l.Seconds), listed.Select(l => l.Seconds));
    }

    [Fact(Timeout = 60000)]
    public async Task Hls_WithTempFiles_ReportsTheFinalNameOfEachSegment()
    {
        var dir = TestMedia.OutputFolder();
        var (chunks, _) = await RunAsync(Path.Combine(dir, "live.m3u8"), new EncodeOptions
        {
            VideoCodec = "libx264", Preset = "ultrafast", Gop = 25, Threads = 1,
            FormatOptions = new Dictionary<string, string> { ["hls_time"] = "2", ["hls_list_size"] = "0", ["hls_flags"] = "temp_file" },
        }, scale: true);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.EndsWith(".ts", c.Path)); // not the .ts.tmp FFmpeg wrote before renaming it
        Assert.Equal(Extinf(Path.Combine(dir, "live.m3u8")).Select(l => Path.Combine(dir, l.File)), chunks.Select(c => c.Path));
    }

    [Theory(Timeout = 60000)]
    [InlineData("m3u8")]
    [InlineData("csv")]
    public async Task Segment_WithASegmentList_ReportsTheChunksNotTheList(string listType)
    {
        var dir = TestMedia.OutputFolder($"{nameof(Segment_WithASegmentList_ReportsTheChunksNotTheList)}-{listType}");
        var list = Path.Combine(dir, "list." + listType);
        var (chunks, metrics) = await RunAsync(Path.Combine(dir, "part%03d.ts"), new EncodeOptions
        {
            VideoCodec = "copy", Format = "segment",
            FormatOptions = new Dictionary<string, string> { ["segment_time"] = "2", ["segment_list"] = list, ["segment_list_type"] = listType },
        });

        Assert.Equal(Directory.GetFiles(dir, "part*.ts").Order(StringComparer.Ordinal), chunks.Select(c => c.Path));
        Assert.Equal(metrics.Frames, chunks.Sum(c => c.Frames));
        Assert.True(File.Exists(list));
    }

    [Fact(Timeout = 60000)]
    public async Task Hls_Fmp4_ReportsTheMediaSegmentsNotTheInitFile()
    {
        var dir = TestMedia.OutputFolder();
        var (chunks, metrics) = await RunAsync(Path.Combine(dir, "live.m3u8"), new EncodeOptions
        {
            VideoCodec = "libx264", Preset = "ultrafast", Gop = 25, Threads = 1,
            FormatOptions = new Dictionary<string, string> { ["hls_time"] = "2", ["hls_list_size"] = "0", ["hls_segment_type"] = "fmp4" },
        }, scale: true);

        Assert.True(File.Exists(Path.Combine(dir, "init.mp4")));
        Assert.All(chunks, c => Assert.EndsWith(".m4s", c.Path));
        Assert.Equal(Extinf(Path.Combine(dir, "live.m3u8")).Select(l => Path.Combine(dir, l.File)), chunks.Select(c => c.Path));
        Assert.Equal(metrics.Frames, chunks.Sum(c => c.Frames));
    }

    [Fact(Timeout = 60000)]
    public async Task OrdinaryOutput_RaisesNoChunkEvent()
    {
        var (chunks, _) = await RunAsync(Path.Combine(TestMedia.OutputFolder(), "whole.ts"), new EncodeOptions { VideoCodec = "copy" });
        Assert.Empty(chunks);
    }

    [Fact(Timeout = 60000)]
    public async Task AHandlerThatThrows_FailsTheRunNamingTheOutput()
    {
        var graph = new Graph();
        var mux = graph.Encode(Path.Combine(TestMedia.OutputFolder(), "c%03d.ts"), graph.Decode(TestMedia.CityCC0).Video, null,
            new EncodeOptions { VideoCodec = "copy", Format = "segment", FormatOptions = new Dictionary<string, string> { ["segment_time"] = "2" } });
        mux.ChunkCompleted += _ => throw new IOException("upload failed");

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Equal(mux.Name, e.Node);
        Assert.Contains("ChunkCompleted handler", e.Message);
        Assert.Contains("upload failed", e.Message);
    }

    private static List<(string File, double Seconds)> Extinf(string playlist)
    {
        var lines = File.ReadAllLines(playlist);
        var list = new List<(string, double)>();
        for (var i = 0; i < lines.Length - 1; i++)
            if (lines[i].StartsWith("#EXTINF:", StringComparison.Ordinal))
                list.Add((lines[i + 1], double.Parse(lines[i]["#EXTINF:".Length..].TrimEnd(','), CultureInfo.InvariantCulture)));
        return list;
    }
}
