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
        public readonly ListLogger Lines = new();
        public readonly string Name;
        public readonly List<string> Errors = new();

        private readonly bool _readPackets;

        /// <param name="readPackets">Feed the file's own packets (a damaged file: errors FFmpeg logs and conceals)
        /// instead of garbage.</param>
        public Victim(string path, string name, int seed, Microsoft.Extensions.Logging.ILogger? logger = null, bool readPackets = false)
        {
            _readPackets = readPackets;
            Name = name;
            _random = new Random(seed);
            Log = NativeLog.Create(logger ?? Lines.For("MediaGraph.FFmpeg"), name);
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
            if (_readPackets)
            {
                do if (!_demuxer.Read(_packet, out var info, Name)) { NativeLog.Enter(null); return; }
                while (NativeMethods.mg_packet_get_info(_packet, out var i) >= 0 && i.StreamIndex != 0);
            }
            else
            {
                var random = seed is { } s ? new Random(s) : _random;
                var data = new byte[64 + random.Next(400)];
                random.NextBytes(data);
                data[0] = 0; data[1] = 0; data[2] = 0; data[3] = (byte)(data.Length - 4);
                fixed (byte* p = data) NativeMethods.mg_packet_from_data(_packet, p, data.Length);
            }
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
        Assert.NotEmpty(aac.Errors);
        Assert.Contains(aac.Errors, e => e.Contains('(')); // failures come with FFmpeg's reason
        // No error quotes a line the other decoder logged.
        var h264Said = h264.Lines.Lines.Select(l => l.Message).Where(m => m.Length > 8).ToHashSet();
        var aacSaid = aac.Lines.Lines.Select(l => l.Message).Where(m => m.Length > 8).ToHashSet();
        Assert.NotEmpty(h264Said);
        Assert.DoesNotContain(aac.Errors, e => h264Said.Any(e.Contains));
        Assert.DoesNotContain(h264.Errors, e => aacSaid.Any(e.Contains));
    }

    [Fact(Timeout = 60000)]
    public async Task TwoDecodersTakingTurnsOnOneThread_EachErrorQuotesOnlyItsOwnReason()
    {
        // A thread-pool thread that runs an H.264 decode step, then an AAC one: the H.264 decoder's logged error must not
        // become the reason of the AAC decoder's failure (what the thread-local capture did).
        // The damaged file's packets: the H.264 decoder logs errors ("error while decoding MB") and conceals them, so
        // its calls succeed and its error lines are not consumed by a failure of its own.
        var damaged = await FfmpegLogTests.DamagedAsync(await FfmpegLogTests.VideoOnlyAsync(), "reason-damaged-h264.mp4");
        using var h264 = new Victim(damaged, "h264-node", 1, readPackets: true);
        using var aac = new Victim(await AudioAsync(), "aac-node", 2);
        for (var i = 0; i < 100; i++)
        {
            h264.Step();
            aac.Step();
        }
        AssertNoCrossTalk(h264, aac);
    }

    [Fact(Timeout = 60000)]
    public async Task RepeatedFfmpegLines_AreForwardedOnceASecondWithTheirCount()
    {
        var lines = new ListLogger();
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
