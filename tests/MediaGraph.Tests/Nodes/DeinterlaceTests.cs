using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class DeinterlaceTests(ITestOutputHelper log)
{
    private const double Frame = 1001.0 / 30000; // one frame of 29.97 fps

    [Fact(Timeout = 120000)]
    public async Task Deinterlace_1080i30To720p_KeepsFramesDurationsAndAudioOffset()
    {
        var input = await TestMedia.Interlaced1080iAsync();
        var sourceVideo = await Ffprobe.StreamAsync(input, "v:0");
        var sourceAudio = await Ffprobe.StreamAsync(input, "a:0", countFrames: false);
        Assert.Equal("tt", sourceVideo.FieldOrder); // the clip really is interlaced, top field first
        var output = Path.Combine(TestMedia.OutputFolder(), "progressive720p.mp4");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(output, decoded.Video.Deinterlace().Scale(1280, 720), decoded.Audio,
            new EncodeOptions { Preset = "veryfast", AudioCodec = "copy" });
        await graph.RunAsync();

        var video = await Ffprobe.StreamAsync(output, "v:0");
        var audio = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        log.WriteLine($"source: video {sourceVideo.Frames} frames, start {sourceVideo.StartTime:0.000000} s, duration {sourceVideo.Duration:0.000000} s; " +
                      $"audio start {sourceAudio.StartTime:0.000000} s, duration {sourceAudio.Duration:0.000000} s, {sourceAudio.Packets} packets");
        log.WriteLine($"output: video {video.Frames} frames {video.Width}x{video.Height} {video.FieldOrder}, start {video.StartTime:0.000000} s, duration {video.Duration:0.000000} s; " +
                      $"audio {audio.Codec} start {audio.StartTime:0.000000} s, duration {audio.Duration:0.000000} s, {audio.Packets} packets");

        Assert.Equal((1280, 720), (video.Width, video.Height));
        Assert.Equal(sourceVideo.Frames, video.Frames);
        Assert.Equal("aac", audio.Codec);
        Assert.Equal(sourceAudio.Packets, audio.Packets);
        Assert.InRange(video.Duration - sourceVideo.Duration, -Frame, Frame);
        Assert.InRange(audio.Duration - sourceAudio.Duration, -Frame, Frame);
        var sourceOffset = sourceVideo.StartTime - sourceAudio.StartTime;
        var outputOffset = video.StartTime - audio.StartTime;
        Assert.InRange(outputOffset - sourceOffset, -Frame, Frame);
    }

    [Fact(Timeout = 60000)]
    public async Task Deinterlace_OutputFrames_AreProgressive()
    {
        var input = await TestMedia.Interlaced1080iAsync();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video.Deinterlace().Scale(320, 180));
        var run = graph.RunAsync();
        var frames = 0;
        var interlaced = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                frames++;
                if (frame.IsInterlaced) interlaced++;
            }
        await run;
        Assert.Equal(90, frames);
        Assert.Equal(0, interlaced);
    }

    /// <summary>A run fuses Deinterlace → Scale into one libavfilter graph; its frames are the frames of the two
    /// nodes run apart, pixel for pixel and timestamp for timestamp.</summary>
    [Fact(Timeout = 60000)]
    public async Task DeinterlaceThenScale_Fused_GivesTheSameFramesAsTwoNodes()
    {
        async Task<List<string>> RunAsync(bool fuse)
        {
            var graph = new Graph(new GraphOptions { FuseFilters = fuse });
            var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video.Deinterlace().Scale(180, 100), capacity: 16);
            var run = graph.RunAsync();
            var hashes = new List<string>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                {
                    hashes.Add($"{frame.Pts}/{frame.TimeBase} {Convert.ToHexString(System.Security.Cryptography.MD5.HashData(Pixels(frame)))}");
                }
            var metrics = await run;
            Assert.Equal(fuse, metrics.Nodes.Any(n => n.Kind == "deinterlace+scale"));
            return hashes;
        }

        static byte[] Pixels(VideoFrame frame) // the rows without their padding
        {
            var pixels = new List<byte>();
            for (var p = 0; p < 3; p++)
            {
                var plane = frame.GetPlane(p);
                var span = frame.GetPlaneSpan(p);
                for (var y = 0; y < plane.Rows; y++) pixels.AddRange(span.Slice(y * plane.Pitch, plane.RowBytes).ToArray());
            }
            return pixels.ToArray();
        }

        var fused = await RunAsync(fuse: true);
        var apart = await RunAsync(fuse: false);

        log.WriteLine($"{fused.Count} frames; first {fused[0]}");
        Assert.Equal(190, fused.Count);
        Assert.Equal(apart, fused);
    }
}
