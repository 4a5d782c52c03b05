using System.Diagnostics;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

[Collection(SerialCollection.Name)]
public sealed class AllocationTests(ITestOutputHelper log)
{
    /// <summary>What a run allocates beyond its fixed set-up grows with frames only if something allocates per frame:
    /// compare a 50-frame and a 1000-frame run of the same decode → scale → encode (video and audio) → mux graph.</summary>
    [OptimizedBuildFact(Timeout = 120000)]
    public async Task Transcode_SteadyState_AllocatesNothingPerFrame()
    {
        var shortClip = await TestMedia.ClipAsync("alloc-av-50.mpg", "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=sample_rate=48000 -t 2 -c:v mpeg2video -c:a mp2");
        var longClip = await TestMedia.ClipAsync("alloc-av-1000.mpg", "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=sample_rate=48000 -t 40 -c:v mpeg2video -c:a mp2");
        var output = Path.Combine(TestMedia.OutputFolder(), "out.mkv");

        async Task<long> AllocatedAsync(string input)
        {
            var allocated = long.MaxValue;
            for (var run = 0; run < 4; run++) // the first run warms up (JIT, type loading); keep the least of the others
            {
                var graph = new Graph();
                var decoded = graph.Decode(input);
                graph.Encode(output, decoded.Video.Scale(80, 60), decoded.Audio, new EncodeOptions { VideoCodec = "ffv1", AudioCodec = "flac" });
                var before = GC.GetTotalAllocatedBytes(precise: true);
                await graph.RunAsync();
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
                if (run > 0) allocated = Math.Min(allocated, bytes); // thread-pool growth is noise, not per-frame cost
            }
            return allocated;
        }

        var fewFrames = await AllocatedAsync(shortClip);
        var manyFrames = await AllocatedAsync(longClip);
        var perFrame = (manyFrames - fewFrames) / 950.0;
        log.WriteLine($"50 frames: {fewFrames} B, 1000 frames: {manyFrames} B, {perFrame:0.0} B per extra frame");

        // Steady state is ~0 (8 B measured); channel waiters and thread-pool growth add a little that depends on timing.
        // A per-frame allocation (a message string, a task per wait) costs 100+ bytes and fails this.
        Assert.True(perFrame < 64, $"{perFrame:0.0} bytes allocated per frame in steady state (50 frames: {fewFrames} B, 1000 frames: {manyFrames} B)");
    }
}

/// <summary>A fact that runs only against an optimized (Release) MediaGraph: a Debug build compiles async methods
/// into classes, which allocate on every call by design. ./test.sh and CI run Release.</summary>
public sealed class OptimizedBuildFactAttribute : FactAttribute
{
    public OptimizedBuildFactAttribute()
    {
        var debuggable = typeof(Graph).Assembly.GetCustomAttribute<DebuggableAttribute>();
        if (debuggable?.IsJITOptimizerDisabled == true)
            Skip = "needs an optimized MediaGraph build (dotnet test -c Release)";
    }
}
