using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Logs a user can act on: what was opened and chosen, when the run starts, stops and ends.</summary>
public sealed class LogTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Run_LogsTheInputTheCodecsChosenAndTheEndWithItsSummary()
    {
        var lines = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(lines) });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), null,
            new EncodeOptions { VideoCodec = "ffv1", Threads = 1 });

        await graph.RunAsync();

        foreach (var line in lines.Texts) log.WriteLine(line);
        Assert.Contains(lines.Texts, l => l.StartsWith("run started:", StringComparison.Ordinal));
        Assert.Contains(lines.Texts, l => l.Contains("opened '") && l.Contains("cityCC0.mpg") && l.Contains("mpeg2video"));
        Assert.Contains(lines.Texts, l => l.Contains("decoding") && l.Contains("mpeg2video"));
        Assert.Contains(lines.Texts, l => l.Contains("encoding with ffv1") && l.Contains("64x36") && l.Contains("1 threads"));
        Assert.Contains(lines.Texts, l => l.StartsWith("run ended after", StringComparison.Ordinal) && l.Contains("190 frames in"));
    }

    [Fact(Timeout = 60000)]
    public async Task Drain_IsLoggedAsADrainAndTheRunAsStopped()
    {
        var lines = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(lines) });
        var source = graph.AddVideoSource();
        graph.Sink(source.Stream(), capacity: 64);
        var run = graph.RunAsync();
        await source.WriteAsync(TestFrames.Gray(0));

        await graph.StopAsync();
        await run;

        Assert.Contains(lines.Texts, l => l.StartsWith("stop requested: draining", StringComparison.Ordinal));
        Assert.Contains(lines.Texts, l => l.StartsWith("run stopped (drained)", StringComparison.Ordinal));
    }
}
