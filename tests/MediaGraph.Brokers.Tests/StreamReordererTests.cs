using MediaGraph.Brokers;
using Xunit;

namespace MediaGraph.Tests.Brokers;

public sealed class StreamReordererTests
{
    [Fact]
    public void OutOfOrderItems_AreReleasedInSequenceOrderPerStream()
    {
        var r = new StreamReorderer<string>();
        Assert.Empty(r.Add("a", 1, "a1"));
        Assert.Equal(["b0"], r.Add("b", 0, "b0"));
        Assert.Empty(r.Add("a", 2, "a2"));
        Assert.Equal(["a0", "a1", "a2"], r.Add("a", 0, "a0"));
        Assert.Equal((3L, 0), (r.Released - 1, r.Waiting));
    }

    [Fact]
    public void Duplicates_AreCountedAndDropped_WhetherWaitingOrReleased()
    {
        var r = new StreamReorderer<int>();
        r.Add("a", 0, 0);
        Assert.Empty(r.Add("a", 0, 0)); // released already
        r.Add("a", 2, 2);
        Assert.Empty(r.Add("a", 2, 2)); // waiting already
        Assert.Equal(2, r.Duplicates);
        Assert.Equal([1, 2], r.Add("a", 1, 1));
    }

    [Fact]
    public void AFullWindow_GivesTheGapUp_AndTheItemThatComesAfterIsLate()
    {
        var r = new StreamReorderer<int>(window: 2);
        r.Add("a", 1, 1);
        r.Add("a", 2, 2);
        Assert.Equal([1, 2, 3], r.Add("a", 3, 3)); // three waiting behind 0: 0 is given up
        Assert.Equal(1, r.Skipped);
        Assert.Empty(r.Add("a", 0, 0));
        Assert.Equal((1L, 0L), (r.Late, r.Duplicates));
    }

    [Fact]
    public void Flush_ReleasesWhatWaitsBehindGapsThatWillNotFill()
    {
        var r = new StreamReorderer<int>();
        r.Add("a", 2, 2);
        r.Add("a", 4, 4);
        Assert.Equal([2, 4], r.Flush("a"));
        Assert.Equal(3, r.Skipped);
    }
}
