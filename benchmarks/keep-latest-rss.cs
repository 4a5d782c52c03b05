#:project ../src/MediaGraph/MediaGraph.csproj
// A consumer slower than a live camera, behind keep-latest: reads one decoded frame every DELAY ms from URL for
// SECONDS seconds and prints the process's resident memory (VmRSS) every 10 s, then the start (after a 10 s
// warm-up), end and peak, the frames dropped by the decoder and how far behind the camera the consumer was.
// Run by benchmarks/keep-latest-rss.sh, which starts the camera.
//
//   dotnet run benchmarks/keep-latest-rss.cs -- URL SECONDS [DELAY_MS] [block|keep-latest|drop-oldest]

using System.Diagnostics;
using System.Globalization;
using MediaGraph;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: dotnet run benchmarks/keep-latest-rss.cs -- URL SECONDS [DELAY_MS] [POLICY]");
    return 2;
}
var seconds = double.Parse(args[1], CultureInfo.InvariantCulture);
var delay = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
var policy = args.Length > 3 ? Enum.Parse<EdgePolicy>(args[3].Replace("-", ""), ignoreCase: true) : EdgePolicy.KeepLatest;

var graph = new Graph();
var input = graph.Decode(args[0], new DecodeOptions
{
    AllowNetwork = true,
    FormatOptions = new Dictionary<string, string> { ["rtsp_transport"] = "tcp" },
    EdgePolicy = policy,
});
var frames = graph.Sink(input.Video);
var run = graph.RunAsync();
var clock = Stopwatch.StartNew();
long start = 0, peak = 0, end = 0, read = 0;
var nextSample = 10.0;
double firstPts = double.NaN, firstWall = 0, lag = 0;
await foreach (var frame in frames.ReadAllAsync())
{
    using (frame)
    {
        read++;
        if (frame.Pts != Timestamp.None)
        {
            var pts = frame.Pts * frame.TimeBase.ToDouble();
            if (double.IsNaN(firstPts)) (firstPts, firstWall) = (pts, clock.Elapsed.TotalSeconds);
            lag = clock.Elapsed.TotalSeconds - firstWall - (pts - firstPts);
        }
    }
    var t = clock.Elapsed.TotalSeconds;
    if (t >= nextSample)
    {
        var rss = Rss();
        if (start == 0) start = rss;
        peak = Math.Max(peak, rss);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,6:0} s  RSS {rss / 1048576.0,7:0.0} MiB  frames read {read}  lag {lag:0.00} s"));
        nextSample += 10;
    }
    if (t >= seconds) break;
    await Task.Delay(delay);
}
end = Rss();
await graph.StopAsync();
var metrics = await run;
var decoder = metrics.Nodes.Single(n => n.Roles.HasFlag(NodeRoles.DecodesVideo));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"policy {policy}: RSS start {start / 1048576.0:0.0} MiB (at 10 s), end {end / 1048576.0:0.0} MiB, peak {peak / 1048576.0:0.0} MiB; {read} frames read, {decoder.FramesOut} decoded, {decoder.Dropped} dropped; lag at the end {lag:0.00} s"));
return 0;

static long Rss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    return 0;
}
