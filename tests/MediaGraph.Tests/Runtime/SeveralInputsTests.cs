using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>How a node with several inputs is fed: wanted inputs first, backpressure on the others, never a deadlock.</summary>
public sealed class SeveralInputsTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task SeveralInputs_WantedInputWaitsOnADemuxerBlockedByAnUnwantedOne_TakesFromTheUnwantedOneAndFinishes()
    {
        // One demuxer feeds both inputs (video and audio, interleaved). The node wants only its video until the video
        // ended; the audio edge fills and the demuxer waits on it before it can read more video. The runtime must
        // read the audio edge for the demuxer's sake, without waiting for a timeout.
        var input = await TestMedia.SmallWithAudioAsync(seconds: 4);
        var graph = new Graph();
        var file = graph.Decode(input);
        var node = graph.Add(new VideoFirstNode());
        graph.Connect(file.Video.Port, node.Inputs[0]);
        graph.Connect(file.Audio.Port, node.Inputs[1]);
        node.Inputs[0].Capacity = 2;
        node.Inputs[1].Capacity = 2;

        var metrics = await graph.RunAsync();

        log.WriteLine(metrics.Summary());
        Assert.Equal(100, node.Video);
        Assert.True(node.Audio > 150, $"every audio frame arrives too ({node.Audio})");
        Assert.True(node.AudioBeforeVideoEnded > 0, "audio was read while video was wanted: the demuxer needed it");
    }

    [Fact(Timeout = 60000)]
    public async Task SeveralInputs_TwoIndependentSources_TheUnwantedOneIsHeldBackByBackpressure()
    {
        var graph = new Graph();
        var first = graph.AddVideoSource(capacity: 64);
        var second = graph.AddVideoSource(capacity: 64);
        var node = graph.Add(new VideoFirstNode(MediaKind.Video));
        graph.Connect(first.Outputs[0], node.Inputs[0]);
        graph.Connect(second.Outputs[0], node.Inputs[1]);
        node.Inputs[1].Capacity = 2;
        var run = graph.RunAsync();

        for (var i = 0; i < 20; i++)
        {
            await first.WriteAsync(TestFrames.Gray(i));
            await second.WriteAsync(TestFrames.Gray(i));
        }
        first.Complete();
        second.Complete();
        await run;

        Assert.Equal(20, node.Video);
        Assert.Equal(20, node.Audio);
        Assert.Equal(0, node.AudioBeforeVideoEnded); // nothing ties the two sources: the second simply waited
    }

    /// <summary>Takes input 0 until it ends, then input 1 (like concat); counts what it got and when.</summary>
    private sealed class VideoFirstNode : Node
    {
        public VideoFirstNode(MediaKind second = MediaKind.Audio)
        {
            AddInput(MediaKind.Video, "first");
            AddInput(second, "second");
        }

        public override string Kind => "video-first";
        public int Video, Audio, AudioBeforeVideoEnded;

        protected internal override NodeInstance CreateInstance()
        {
            Video = Audio = AudioBeforeVideoEnded = 0;
            return new Instance(this);
        }

        private sealed class Instance(VideoFirstNode node) : NodeInstance
        {
            private bool _firstEnded;

            protected internal override bool IsInputWanted(int input) => input == 0 ? !_firstEnded : _firstEnded;

            protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                item.Dispose();
                if (input == 0) node.Video++;
                else
                {
                    node.Audio++;
                    if (!_firstEnded) node.AudioBeforeVideoEnded++;
                }
                return default;
            }

            protected internal override ValueTask EndOfInputAsync(NodeContext context, int input, CancellationToken cancellationToken)
            {
                if (input == 0) _firstEnded = true;
                return default;
            }
        }
    }
}
