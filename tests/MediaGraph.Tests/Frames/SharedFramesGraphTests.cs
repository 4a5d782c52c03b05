using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using MediaGraph.Interop;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Frames;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Per-branch items and metadata in real graphs; counts native handles, so it runs alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class SharedFramesGraphTests(ITestOutputHelper log)
{
    private sealed record Tag(int Index);
    private sealed record Painted;

    [Theory(Timeout = 60000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FanOutWithPerBranchItems_OneBranchPaints_TheOtherKeepsItsPixelsAndMetadata_AndNoHandleIsLeft(bool decoded)
    {
        var input = decoded ? await TestMedia.TinyAsync() : null;
        Settle();
        var before = NativeMethods.mg_live_handles();

        var graph = new Graph();
        VideoStream frames;
        AppSource<VideoFrame>? source = null;
        if (input is not null) frames = graph.Decode(input).Video;
        else
        {
            source = graph.AddVideoSource();
            frames = (VideoStream)source.Stream(graph);
        }
        var split = graph.Add(new SplitNode());
        graph.Connect(frames.Port, split.Inputs[0]);
        var paint = graph.Add(new PaintNode());
        graph.Connect(split.Outputs[0], paint.Inputs[0]);
        var painted = graph.Sink(graph.Streams(paint).VideoOutput(0));
        var untouched = graph.Sink(graph.Streams(split).VideoOutput(1));

        var run = graph.RunAsync();
        if (source is not null)
        {
            for (var i = 0; i < 10; i++)
            {
                var frame = VideoFrame.Allocate(48, 32, PixelFormat.Yuv420P, new Rational(1, 25));
                frame.Pts = i;
                var luma = frame.GetPlaneSpan(0);
                for (var b = 0; b < luma.Length; b++) luma[b] = (byte)(b + i);
                frame.GetPlaneSpan(1).Fill(128);
                frame.GetPlaneSpan(2).Fill(128);
                await source.WriteAsync(frame);
            }
            source.Complete();
        }

        var paintedFrames = Task.Run(async () =>
        {
            var n = 0;
            await foreach (var frame in painted.ReadAllAsync())
                using (frame)
                {
                    Assert.All(Luma(frame), b => Assert.Equal(255, b));
                    Assert.True(frame.Metadata.TryGet<Painted>(out _));
                    Assert.True(frame.Metadata.TryGet<Tag>(out var tag)); // set before the split
                    Assert.Equal(frame.Pts, tag.Index);
                    n++;
                }
            return n;
        });
        var untouchedFrames = 0;
        await foreach (var frame in untouched.ReadAllAsync())
            using (frame)
            {
                Assert.Equal(split.Lumas[frame.Pts], Luma(frame));
                Assert.False(frame.Metadata.TryGet<Painted>(out _));
                Assert.True(frame.Metadata.TryGet<Tag>(out var tag));
                Assert.Equal(frame.Pts, tag.Index);
                untouchedFrames++;
            }
        Assert.Equal(10, await paintedFrames);
        Assert.Equal(10, untouchedFrames);
        await run;

        var live = NativeMethods.mg_live_handles(); // before any collection: freed, not finalised
        log.WriteLine($"native handles before {before}, after {live}");
        Assert.Equal(before, live);
    }

    [Theory(Timeout = 60000)]
    [InlineData("libx264")]
    [InlineData("mpeg4")]
    public async Task EncodedPackets_CarryTheMetadataOfTheirFrames_MatchedByPtsThroughBFrames(string codec)
    {
        const int count = 40;
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var options = new EncodeOptions { VideoCodec = codec, Preset = codec == "libx264" ? "veryfast" : null, MaxBFrames = 2, Gop = 12 };
        var encode = graph.Add(new EncodeNode(source.Stream(graph).Port, MediaKind.Video, codec, options, "packets.mkv"));
        var sink = graph.Sink(new PacketStream(graph, encode.Outputs[0], MediaKind.Video));
        var run = graph.RunAsync();

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var frame = VideoFrame.Allocate(64, 48, PixelFormat.Yuv420P, new Rational(1, 25));
                frame.Pts = i;
                frame.Duration = 1;
                frame.FrameRate = new Rational(25, 1);
                var luma = frame.GetPlaneSpan(0);
                for (var b = 0; b < luma.Length; b++) luma[b] = (byte)(b * 3 + i * 11);
                frame.GetPlaneSpan(1).Fill(128);
                frame.GetPlaneSpan(2).Fill(128);
                if (i % 4 != 3) frame.Metadata.Set(new Tag(i)); // every fourth frame carries nothing
                await source.WriteAsync(frame);
            }
            source.Complete();
        });

        var order = new List<long>();
        var mismatches = new List<string>();
        var checkedShare = false;
        await foreach (var packet in sink.ReadAllAsync())
            using (packet)
            {
                var index = Rational.Rescale(packet.Pts, packet.TimeBase, new Rational(1, 25));
                order.Add(index);
                var has = packet.Metadata.TryGet<Tag>(out var tag);
                if (index % 4 == 3 ? has : !has || tag.Index != index)
                    mismatches.Add($"packet pts {index}: {(has ? $"tag {tag.Index}" : "no tag")}");
                if (!checkedShare && has) checkedShare = CheckPacketShare(packet);
            }
        await writer;
        await run;

        log.WriteLine($"{codec}: packets in decode order, by pts: {string.Join(' ', order)}");
        Assert.Empty(mismatches);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), order.Order());
        Assert.Contains(order.Zip(order.Skip(1)), pair => pair.Second < pair.First); // B-frames did reorder
        Assert.True(checkedShare);
    }

    [Fact(Timeout = 60000)]
    public async Task EncodedAudioPackets_CarryTheMetadataOfTheFrameTheyStartIn()
    {
        // 1000-sample frames re-chunked to AAC's 1024: a packet gets the tag of the frame holding its first sample.
        const int count = 30, samples = 1000;
        var graph = new Graph();
        var source = graph.AddAudioSource();
        var options = new EncodeOptions { AudioCodec = "aac" };
        var encode = graph.Add(new EncodeNode(source.Stream(graph).Port, MediaKind.Audio, "aac", options, "packets.mka"));
        var sink = graph.Sink(new PacketStream(graph, encode.Outputs[0], MediaKind.Audio));
        var run = graph.RunAsync();

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var frame = AudioFrame.Allocate(samples, SampleFormat.FromName("fltp"), 48000, 2);
                frame.Pts = i * samples;
                frame.Duration = samples;
                Silence(frame);
                if (i % 3 != 2) frame.Metadata.Set(new Tag(i));
                await source.WriteAsync(frame);
            }
            source.Complete();
        });

        var packets = 0;
        var mismatches = new List<string>();
        await foreach (var packet in sink.ReadAllAsync())
            using (packet)
            {
                packets++;
                var start = Rational.Rescale(packet.Pts, packet.TimeBase, new Rational(1, 48000));
                var frame = start >= 0 ? start / samples : -1;
                var expected = frame is >= 0 and < count && frame % 3 != 2 ? (int?)frame : null;
                int? actual = packet.Metadata.TryGet<Tag>(out var tag) ? tag.Index : null;
                if (expected != actual) mismatches.Add($"packet at sample {start}: expected {expected?.ToString() ?? "none"}, got {actual?.ToString() ?? "none"}");
            }
        await run;
        await writer;
        log.WriteLine($"{packets} packets");
        Assert.Empty(mismatches);
        Assert.True(packets >= count * samples / 1024);
    }

    /// <summary>A packet shared for another branch: same bytes at the same address, same timing and stream, its
    /// metadata copy-on-write.</summary>
    private static unsafe bool CheckPacketShare(Packet packet)
    {
        using var copy = (Packet)packet.ShareForBranch();
        fixed (byte* a = packet.Data, b = copy.Data) Assert.True(a == b, "the shared packet's bytes were copied");
        Assert.Equal(packet.Size, copy.Size);
        Assert.Same(packet.Parameters, copy.Parameters);
        Assert.Equal((packet.Pts, packet.Dts, packet.Duration, packet.TimeBase, packet.IsKeyFrame), (copy.Pts, copy.Dts, copy.Duration, copy.TimeBase, copy.IsKeyFrame));
        Assert.True(copy.Metadata.TryGet<Tag>(out _));
        copy.Metadata.Set(new Painted());
        Assert.False(packet.Metadata.TryGet<Painted>(out _));

        // An app's packet belongs to no pool: its share is unpooled too, over the same bytes.
        using var app = Packet.FromData(packet.Data, packet.Parameters, packet.Pts, packet.Dts, packet.Duration, packet.IsKeyFrame);
        using var appCopy = (Packet)app.ShareForBranch();
        Assert.Null(appCopy.Pool);
        fixed (byte* a = app.Data, b = appCopy.Data) Assert.True(a == b, "the shared app packet's bytes were copied");
        Assert.True(appCopy.Data.SequenceEqual(packet.Data));
        Assert.Equal((app.Pts, app.Dts, app.TimeBase), (appCopy.Pts, appCopy.Dts, appCopy.TimeBase));
        return true;
    }

    private static unsafe void Silence(AudioFrame frame)
    {
        for (var c = 0; c < frame.Channels; c++)
        {
            var (data, bytes) = frame.GetPlane(c);
            NativeMemory.Clear((void*)data, (nuint)bytes);
        }
    }

    /// <summary>The luma plane's pixels, row after row (no padding).</summary>
    private static byte[] Luma(VideoFrame frame)
    {
        var plane = frame.GetPlane(0);
        var span = frame.GetPlaneSpan(0);
        var pixels = new byte[plane.RowBytes * plane.Rows];
        for (var y = 0; y < plane.Rows; y++) span.Slice(y * plane.Pitch, plane.RowBytes).CopyTo(pixels.AsSpan(y * plane.RowBytes));
        return pixels;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Tags each frame with its pts, records its luma, and sends it down two branches as two
    /// items (<see cref="MediaItem.ShareForBranch"/>), as the runtime's fan-out does.</summary>
    private sealed class SplitNode : Node
    {
        public SplitNode()
        {
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "a");
            AddOutput(MediaKind.Video, "b");
        }

        public ConcurrentDictionary<long, byte[]> Lumas { get; } = new();
        public override string Kind => "split";
        protected internal override NodeInstance CreateInstance() => new Instance(this);

        private sealed class Instance(SplitNode node) : NodeInstance
        {
            protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                var frame = (VideoFrame)item;
                frame.Metadata.Set(new Tag((int)frame.Pts));
                node.Lumas[frame.Pts] = Luma(frame);
                var other = frame.ShareForBranch();
                await context.EmitAsync(0, frame, cancellationToken);
                await context.EmitAsync(1, other, cancellationToken);
            }
        }
    }

    /// <summary>Writes its frames: makes them writable, paints the luma white and tags them.</summary>
    private sealed class PaintNode : Node
    {
        public PaintNode()
        {
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "out");
        }

        public override string Kind => "paint";
        protected internal override NodeInstance CreateInstance() => new Instance();

        private sealed class Instance : NodeInstance
        {
            protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                var frame = (VideoFrame)item;
                frame.MakeWritable();
                var plane = frame.GetPlane(0);
                var span = frame.GetPlaneSpan(0);
                for (var y = 0; y < plane.Rows; y++) span.Slice(y * plane.Pitch, plane.RowBytes).Fill(255);
                frame.Metadata.Set(new Painted());
                return context.EmitAsync(0, frame, cancellationToken);
            }
        }
    }
}
