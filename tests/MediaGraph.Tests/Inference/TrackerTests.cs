using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>The SORT tracker on synthetic detections, the Track node in a graph (ids on the frames and in JSON lines),
/// and one end-to-end run through text detection and recognition on a generated clip.</summary>
public sealed class TrackerTests(ITestOutputHelper log)
{
    /// <summary>The id the tracker gave each of <paramref name="boxes"/> per frame (0: none).</summary>
    private static List<int[]> Run(SortTracker tracker, IEnumerable<BoxF32[]> frames)
    {
        var ids = new List<int[]>();
        foreach (var boxes in frames)
        {
            var tracked = tracker.Step(boxes, new int[boxes.Length]);
            var row = new int[boxes.Length];
            foreach (var t in tracked) row[t.Index] = t.Id;
            ids.Add(row);
        }
        return ids;
    }

    private static int Switches(IEnumerable<int> ids)
    {
        var seen = ids.Where(i => i != 0).ToArray();
        return seen.Zip(seen.Skip(1)).Count(p => p.First != p.Second);
    }

    [Fact]
    public void Tracker_TwoBoxesCrossingEachOther_KeepTheirIds()
    {
        // A moves right, B moves left along nearly the same row; they overlap fully around frame 25.
        var frames = Enumerable.Range(0, 50).Select(f => new[]
        {
            new BoxF32(20 + 8 * f, 100, 60, 24),
            new BoxF32(420 - 8 * f, 104, 60, 24),
        }).ToArray();
        var ids = Run(new SortTracker(new TrackOptions()), frames);
        var a = ids.Select(r => r[0]).ToArray();
        var b = ids.Select(r => r[1]).ToArray();
        log.WriteLine($"A: {string.Join(",", a)}\nB: {string.Join(",", b)}");
        Assert.True(Switches(a) <= 1, "A's id switched more than once");
        Assert.True(Switches(b) <= 1, "B's id switched more than once");
        Assert.Equal(0, Switches(a) + Switches(b)); // with the motion model, none at all
        Assert.NotEqual(a[^1], b[^1]);
    }

    [Fact]
    public void Tracker_NewBox_GetsAnIdOnlyAfterMinHitsFrames()
    {
        var frames = Enumerable.Range(0, 5).Select(f => new[] { new BoxF32(10 + 2 * f, 10, 40, 20) });
        var ids = Run(new SortTracker(new TrackOptions { MinHits = 3 }), frames).Select(r => r[0]).ToArray();
        Assert.Equal([0, 0, 1, 1, 1], ids);
    }

    [Fact]
    public void Tracker_BoxBackAfterMaxAge_GetsANewId_AndWithinMaxAgeKeepsIt()
    {
        var options = new TrackOptions { MaxAge = 5, MinHits = 1 };
        BoxF32[] Present(int f) => [new BoxF32(100, 50, 40, 20)];
        // Gone for 5 frames (= max age): the same id when it comes back.
        var shortGap = Enumerable.Range(0, 20).Select(f => f is >= 8 and < 13 ? [] : Present(f));
        var ids = Run(new SortTracker(options), shortGap).Where(r => r.Length > 0).Select(r => r[0]).Distinct().ToArray();
        Assert.Equal([1], ids);
        // Gone for 6 frames (past max age): a new id.
        var longGap = Enumerable.Range(0, 20).Select(f => f is >= 8 and < 14 ? [] : Present(f));
        var rows = Run(new SortTracker(options), longGap);
        Assert.Equal(1, rows[7][0]);
        Assert.Equal(2, rows[14][0]);
    }

    [Fact]
    public void Tracker_BoxesOfAnotherClass_NeverMatch()
    {
        var tracker = new SortTracker(new TrackOptions { MinHits = 1 });
        var first = tracker.Step([new BoxF32(10, 10, 40, 40)], [1]);
        var second = tracker.Step([new BoxF32(10, 10, 40, 40)], [2]);
        Assert.NotEqual(first[0].Id, second[0].Id);
    }

    [Fact]
    public void Hungarian_PrefersTheAssignmentWithTheLeastTotalCost()
    {
        // Greedy would take (0,0) = 0.1 and then be forced into (1,1) = 0.9; the optimum is 0.2 + 0.3.
        var assigned = Hungarian.Solve(new double[,] { { 0.1, 0.2 }, { 0.3, 0.9 } });
        Assert.Equal([1, 0], assigned);
    }

    [Fact(Timeout = 60000)]
    public async Task Track_InAGraph_IdsRideOnTheFramesAndReachJsonLines()
    {
        var json = Path.Combine(TestMedia.OutputFolder(), "tracks.jsonl");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var tracked = ((VideoStream)source.Stream(graph)).Track(new TrackOptions { MinHits = 2 });
        graph.WriteJsonLines(json, tracked);
        var run = graph.RunAsync();
        for (var i = 0; i < 4; i++)
        {
            var frame = Runtime.TestFrames.Gray(i, width: 320, height: 240);
            frame.Metadata.Set(new Detections([new Detection(new BoxF32(10 + 5 * i, 20, 50, 30), 0.9f, 3, "car"), new Detection(new BoxF32(200, 100, 40, 40), 0.8f, 1, "person")]));
            await source.WriteAsync(frame);
        }
        source.Complete();
        await run;
        var lines = await File.ReadAllLinesAsync(json);
        Assert.Equal(4, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.All(first.RootElement.GetProperty("results").GetProperty("detections").EnumerateArray(), d => Assert.False(d.TryGetProperty("track", out _)));
        using var last = JsonDocument.Parse(lines[3]);
        var detections = last.RootElement.GetProperty("results").GetProperty("detections").EnumerateArray().ToArray();
        Assert.Equal([1, 2], detections.Select(d => d.GetProperty("track").GetInt32()));
        Assert.Equal("car", detections[0].GetProperty("label").GetString());
    }

    [Fact(Timeout = 180000)]
    public async Task Track_AfterReadText_TwoLinesMovingAcrossEachOther_KeepTheirIds()
    {
        // ALPHA moves right on an upper row, BRAVO left on a lower one; their boxes pass each other mid-clip.
        var font = TestModels.Font;
        var clip = await TestMedia.ClipAsync("track-crossing.mpg",
            "-f lavfi -i testsrc2=size=480x270:rate=25 -frames:v 30 -vf \"noise=alls=24:allf=t," +
            $"drawtext=fontfile={font}:text='ALPHA':x='20+8*n':y=70:fontsize=36:fontcolor=black:box=1:boxcolor=white:boxborderw=6," +
            $"drawtext=fontfile={font}:text='BRAVO':x='330-8*n':y=140:fontsize=36:fontcolor=black:box=1:boxcolor=white:boxborderw=6\" -c:v mpeg2video -q:v 3");
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(clip).Video.ReadText(TestModels.Ocr).Track(new TrackOptions { MinHits = 2 }));
        var run = graph.RunAsync();
        var ids = new Dictionary<string, List<int>> { ["ALPHA"] = [], ["BRAVO"] = [] };
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.True(frame.Metadata.TryGet<TextLines>(out var lines));
                Assert.True(frame.Metadata.TryGet<Tracks>(out var tracks));
                Assert.Equal(TrackSource.TextLines, tracks.Source);
                for (var i = 0; i < lines.Lines.Count; i++)
                    if (ids.TryGetValue(lines.Lines[i].Text, out var list) && tracks.IdOf(i) is { } id) list.Add(id);
            }
        await run;
        log.WriteLine($"ALPHA: {string.Join(",", ids["ALPHA"])}\nBRAVO: {string.Join(",", ids["BRAVO"])}");
        Assert.True(ids["ALPHA"].Count >= 20 && ids["BRAVO"].Count >= 20, "both lines tracked on most frames");
        Assert.True(Switches(ids["ALPHA"]) <= 1 && Switches(ids["BRAVO"]) <= 1, "an id switched more than once");
        Assert.NotEqual(ids["ALPHA"][^1], ids["BRAVO"][^1]);
    }
}
