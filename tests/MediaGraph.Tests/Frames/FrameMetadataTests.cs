using MediaGraph.Interop;
using Xunit;

namespace MediaGraph.Tests.Frames;

/// <summary>Copy-on-write metadata across branches (<see cref="MediaItem.ShareForBranch"/>).</summary>
public sealed class FrameMetadataTests
{
    private sealed record Detections(int Count);
    private sealed record SourceId(string Name);
    private record Tag(string Text);
    private sealed record SpecialTag(string Text) : Tag(Text);

    private static VideoFrame Frame() => VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));

    [Fact(Timeout = 10000)]
    public async Task MetadataSetBeforeTheSplit_IsSeenByBothBranches()
    {
        await Task.Yield();
        using var left = Frame();
        left.Metadata.Set(new SourceId("camera 7"));
        using var right = left.ShareForBranch();

        Assert.True(right.HasMetadata);
        Assert.True(right.Metadata.TryGet<SourceId>(out var id));
        Assert.Equal("camera 7", id.Name);
        Assert.Same(left.Metadata.Values, right.Metadata.Values); // shared, not copied
    }

    [Fact(Timeout = 10000)]
    public async Task MetadataSetOnOneBranch_IsNotSeenOnTheOther()
    {
        await Task.Yield();
        using var left = Frame();
        left.Metadata.Set(new SourceId("camera 7"));
        using var right = left.ShareForBranch();

        right.Metadata.Set(new Detections(3));
        left.Metadata.Set(new SourceId("renamed on the left"));

        Assert.False(left.Metadata.TryGet<Detections>(out _));
        Assert.True(right.Metadata.TryGet<Detections>(out var detections));
        Assert.Equal(3, detections.Count);
        Assert.True(right.Metadata.TryGet<SourceId>(out var id));
        Assert.Equal("camera 7", id.Name);
        Assert.True(left.Metadata.TryGet<SourceId>(out id));
        Assert.Equal("renamed on the left", id.Name);
        Assert.Equal((1, 2), (left.Metadata.Count, right.Metadata.Count));
    }

    [Fact(Timeout = 10000)]
    public async Task MetadataRemovedOnOneBranch_StaysOnTheOther()
    {
        await Task.Yield();
        using var left = Frame();
        left.Metadata.Set(new SourceId("camera 7"));
        left.Metadata.Set(new Detections(1));
        using var right = left.ShareForBranch();

        Assert.True(left.Metadata.Remove<SourceId>());
        Assert.False(left.Metadata.Remove<SourceId>());

        Assert.False(left.Metadata.TryGet<SourceId>(out _));
        Assert.True(left.Metadata.TryGet<Detections>(out _));
        Assert.True(right.Metadata.TryGet<SourceId>(out _));
        Assert.Equal(2, right.Metadata.Count);

        Assert.True(left.Metadata.Remove<Detections>());
        Assert.False(left.HasMetadata);
        Assert.True(right.HasMetadata);
    }

    [Fact(Timeout = 10000)]
    public async Task ReleasingOneBranch_LeavesTheOthersMetadata()
    {
        await Task.Yield();
        using var left = Frame();
        left.Metadata.Set(new SourceId("camera 7"));
        var right = left.ShareForBranch();
        right.Dispose();
        Assert.True(left.Metadata.TryGet<SourceId>(out _));
    }

    [Fact(Timeout = 10000)]
    public async Task ShareForBranch_OfAnItemWithoutMetadata_AttachesNone()
    {
        await Task.Yield();
        using var left = Frame();
        _ = left.Metadata.Count; // looked at, nothing attached
        using var right = left.ShareForBranch();
        Assert.False(right.HasMetadata);
        Assert.Empty(right.Metadata.Values);
    }

    [Fact(Timeout = 30000)]
    public async Task Metadata_ReadOnOneBranchWhileTheOtherWrites_SeesOnlyItsOwnValues()
    {
        using var left = Frame();
        left.Metadata.Set(new SourceId("shared"));
        using var right = left.ShareForBranch();
        var writing = true;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                right.Metadata.Set(new Detections(i));
                right.Metadata.Set(new SourceId($"right {i}"));
                right.Metadata.Remove<Detections>();
            }
            Volatile.Write(ref writing, false);
        });
        var reads = 0;
        var reader = Task.Run(() =>
        {
            do
            {
                Assert.True(left.Metadata.TryGet<SourceId>(out var id));
                Assert.Equal("shared", id.Name);
                Assert.False(left.Metadata.TryGet<Detections>(out _));
                Assert.Single(left.Metadata.Values);
                reads++;
            } while (Volatile.Read(ref writing));
        });
        await Task.WhenAll(writer, reader);
        Assert.True(reads > 0);
    }

    [Fact(Timeout = 30000)]
    public async Task Set_FromManyThreadsOnOneItem_KeepsEveryType()
    {
        using var frame = Frame();
        await Task.WhenAll(
            Task.Run(() => { for (var i = 0; i < 10_000; i++) frame.Metadata.Set(new Detections(i)); }),
            Task.Run(() => { for (var i = 0; i < 10_000; i++) frame.Metadata.Set(new SourceId($"{i}")); }),
            Task.Run(() => { for (var i = 0; i < 10_000; i++) frame.Metadata.Set(new Tag($"{i}")); }));
        Assert.Equal(3, frame.Metadata.Count);
        Assert.True(frame.Metadata.TryGet<Detections>(out var d));
        Assert.Equal(9_999, d.Count);
    }

    [Fact(Timeout = 10000)]
    public async Task Values_IsASnapshotThatLaterWritesDoNotChange_AndCannotBeWrittenThrough()
    {
        await Task.Yield();
        using var frame = Frame();
        frame.Metadata.Set(new SourceId("a"));
        var values = frame.Metadata.Values;
        frame.Metadata.Set(new Detections(2));
        Assert.Single(values);
        Assert.Equal(2, frame.Metadata.Values.Count);
        Assert.IsNotType<object[]>(values);
    }

    [Fact(Timeout = 10000)]
    public async Task Set_WithABaseType_ReplacesADerivedValue()
    {
        await Task.Yield();
        using var frame = Frame();
        frame.Metadata.Set(new SpecialTag("special"));
        Assert.True(frame.Metadata.TryGet<Tag>(out var tag));
        Assert.IsType<SpecialTag>(tag);
        frame.Metadata.Set(new Tag("plain"));
        Assert.Equal(1, frame.Metadata.Count);
        Assert.False(frame.Metadata.TryGet<SpecialTag>(out _));
    }

    [Fact(Timeout = 10000)]
    public async Task CopyTo_AnEmptyTargetSharesTheValues_AndAFilledOneHasValuesOfTheSameTypeReplaced()
    {
        await Task.Yield();
        using var source = Frame();
        source.Metadata.Set(new SourceId("source"));
        source.Metadata.Set(new Detections(5));

        using var empty = Frame();
        source.Metadata.CopyTo(empty.Metadata);
        Assert.Same(source.Metadata.Values, empty.Metadata.Values);
        empty.Metadata.Set(new Tag("only on the copy"));
        Assert.False(source.Metadata.TryGet<Tag>(out _));

        using var filled = Frame();
        filled.Metadata.Set(new SourceId("target"));
        filled.Metadata.Set(new Tag("kept"));
        source.Metadata.CopyTo(filled.Metadata);
        Assert.Equal(3, filled.Metadata.Count);
        Assert.True(filled.Metadata.TryGet<SourceId>(out var id));
        Assert.Equal("source", id.Name);
        Assert.True(filled.Metadata.TryGet<Tag>(out var tag));
        Assert.Equal("kept", tag.Text);
        Assert.Throws<ArgumentNullException>(() => source.Metadata.CopyTo(null!));
    }

    [Fact(Timeout = 10000)]
    public async Task Metadata_OfAReleasedPooledItem_DoesNotReachItsNextUse()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var first = pools.Video.Rent();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_video(first.Native, 16, 16, PixelFormat.Yuv420P.Id, 0), "test");
        first.Metadata.Set(new SourceId("first use"));
        var branch = first.ShareForBranch();
        first.Dispose();
        Assert.True(branch.Metadata.TryGet<SourceId>(out _)); // the branch's view survives the other's release
        branch.Dispose();
        Assert.False(first.HasMetadata);
        Assert.False(branch.HasMetadata);
    }
}
