using MediaGraph.Interop;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

/// <summary>The FFmpeg reason in an error's parentheses belongs to the failing call: it comes from the log lines of
/// the failing object's own contexts, never from another decoder that logged on the same thread or at the same time.</summary>
public sealed class FfmpegReasonTests(ITestOutputHelper log)
{
    private static Task<string> VideoAsync() => TestMedia.ClipAsync("log-h264-4s.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p");

    private static Task<string> AudioAsync() => TestMedia.ClipAsync("log-aac-4s.m4a",
        "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 4 -c:a aac");

    /// <summary>A decoder of stream 0 of <paramref name="path"/> with a log of its own, fed garbage.</summary>
    private sealed unsafe class Victim : IDisposable
    {
        private readonly Demuxer _demuxer;
        private readonly CodecParHandle _parameters;
        private readonly Decoder _decoder;
        private readonly nint _packet, _frame;
        private readonly Random _random;
        public readonly NativeLog Log;
        public readonly string Name;
        public readonly List<string> Errors = new();

        public Victim(string path, string name, int seed, Microsoft.Extensions.Logging.ILogger? logger = null)
        {
            Name = name;
            _random = new Random(seed);
            Log = NativeLog.Create(logger ?? NullLogger.Instance, name);
            NativeLog.Enter(Log);
            _demuxer = Demuxer.Open(path, null, null, name);
            _parameters = _demuxer.CodecParameters(0);
            _decoder = new Decoder(_parameters, name, null, 1, null, name);
            NativeMethods.mg_packet_alloc(out _packet);
            NativeMethods.mg_frame_alloc(out _frame);
            NativeLog.Enter(null);
        }

        /// <summary>Sends one packet of random bytes (a plausible NAL length first) and drains the decoder.</summary>
        public void Step(int? seed = null)
        {
            NativeLog.Enter(Log); // what a node's run does for the objects it opened
            var random = seed is { } s ? new Random(s) : _random;
            var data = new byte[64 + random.Next(400)];
            random.NextBytes(data);
            data[0] = 0; data[1] = 0; data[2] = 0; data[3] = (byte)(data.Length - 4);
            fixed (byte* p = data) NativeMethods.mg_packet_from_data(_packet, p, data.Length);
            var status = _decoder.Send(_packet);
            if (status < 0) Errors.Add(NativeStatus.Create(status, "decoding", Name).Message);
            while ((status = _decoder.Receive(_frame)) == NativeMethods.Ok) { }
            if (status < 0) Errors.Add(NativeStatus.Create(status, "decoding", Name).Message);
            Log.Drain(); // as a node's run does after each item
            NativeLog.Enter(null);
        }

        public void Dispose()
        {
            var p = _packet; NativeMethods.mg_packet_free(ref p);
            var f = _frame; NativeMethods.mg_frame_free(ref f);
            _decoder.Dispose();
            _parameters.Dispose();
            _demuxer.Dispose();
            Log.Dispose();
        }
    }

    private void AssertNoCrossTalk(Victim h264, Victim aac)
    {
        foreach (var e in h264.Errors.Take(3).Concat(aac.Errors.Take(3))) log.WriteLine(e);
        Assert.NotEmpty(h264.Errors);
        Assert.NotEmpty(aac.Errors);
        // AAC's reasons are AAC's own; H.264's errors never quote one of them, and the other way round.
        Assert.Contains(aac.Errors, e => e.Contains('(')); // at least one failure came with FFmpeg's reason
        static string? Reason(string message) => message.LastIndexOf(" (", StringComparison.Ordinal) is var i and > 0 ? message[(i + 2)..^1] : null;
        var aacReasons = aac.Errors.Select(Reason).OfType<string>().ToHashSet();
        var h264Reasons = h264.Errors.Select(Reason).OfType<string>().ToHashSet();
        Assert.Empty(aacReasons.Intersect(h264Reasons));
        Assert.DoesNotContain(aacReasons, r => r.Contains("NAL", StringComparison.Ordinal) || r.Contains("slice", StringComparison.OrdinalIgnoreCase));
    }

    [Fact(Timeout = 60000)]
    public async Task TwoDecodersTakingTurnsOnOneThread_EachErrorQuotesOnlyItsOwnReason()
    {
        // A thread-pool thread that runs an H.264 decode step, then an AAC one: the H.264 decoder's logged error must not
        // become the reason of the AAC decoder's failure (what the thread-local capture did).
        using var h264 = new Victim(await VideoAsync(), "h264-node", 1);
        using var aac = new Victim(await AudioAsync(), "aac-node", 2);
        for (var i = 0; i < 200; i++)
        {
            h264.Step();
            aac.Step();
        }
        AssertNoCrossTalk(h264, aac);
    }

    [Fact(Timeout = 60000)]
    public async Task RepeatedFfmpegLines_AreForwardedOnceASecondWithTheirCount()
    {
        var lines = new FfmpegLogTests.ListLogger();
        using (var h264 = new Victim(await VideoAsync(), "h264-node", 5, lines.For("MediaGraph.FFmpeg")))
        {
            for (var i = 0; i < 50; i++) h264.Step(seed: 42); // the same damaged packet, the same complaint
        }

        foreach (var l in lines.Lines) log.WriteLine(l.Text);
        var complaints = lines.Lines.Where(l => l.Text.Contains("Invalid NAL unit size")).ToList();
        Assert.InRange(complaints.Count, 2, 20); // not 50: once, then its count (again each second if this took longer)
        Assert.Contains(complaints, l => l.Text.EndsWith("more times)", StringComparison.Ordinal));
        Assert.Equal(50, complaints.Sum(l => l.Text.EndsWith("more times)", StringComparison.Ordinal)
            ? int.Parse(System.Text.RegularExpressions.Regex.Match(l.Text, @"repeated (\d+) more times").Groups[1].Value) : 1));
    }

    [Fact(Timeout = 60000)]
    public async Task TwoDecodersFailingAtOnceOnTwoThreads_EachErrorQuotesOnlyItsOwnReason()
    {
        var video = await VideoAsync();
        var audio = await AudioAsync();
        using var start = new Barrier(2);
        Victim Run(string path, string name, int seed)
        {
            var v = new Victim(path, name, seed);
            start.SignalAndWait();
            for (var i = 0; i < 300; i++) v.Step();
            return v;
        }
        var both = await Task.WhenAll(Task.Run(() => Run(video, "h264-node", 3)), Task.Run(() => Run(audio, "aac-node", 4)));
        using var h264 = both[0];
        using var aac = both[1];
        AssertNoCrossTalk(h264, aac);
    }
}
