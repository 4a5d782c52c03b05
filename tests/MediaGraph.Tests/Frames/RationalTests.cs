using Xunit;

namespace MediaGraph.Tests.Frames;

public sealed class RationalTests
{
    // Expected values are av_rescale_q's (AV_ROUND_NEAR_INF: to nearest, halves away from zero).
    [Theory(Timeout = 10000)]
    [InlineData(3003L, 1, 30000, 1, 90000, 9009L)]             // 29.97 fps frame into the MPEG clock
    [InlineData(1L, 1001, 30000, 1, 90000, 3003L)]
    [InlineData(1L, 1, 3, 1, 2, 1L)]                           // 0.667 → 1
    [InlineData(3L, 1, 2, 1, 1, 2L)]                           // 1.5 → 2 (half away from zero)
    [InlineData(-3L, 1, 2, 1, 1, -2L)]                         // -1.5 → -2
    [InlineData(5L, 1, 4, 1, 1, 1L)]                           // 1.25 → 1
    [InlineData(-5L, 1, 4, 1, 1, -1L)]                         // -1.25 → -1
    [InlineData(7L, 1, 4, 1, 1, 2L)]                           // 1.75 → 2
    [InlineData(1L, 1, 90000, 1, 1000, 0L)]                    // 0.011 ms → 0
    [InlineData(45L, 1, 90000, 1, 1000, 1L)]                   // 0.5 → 1
    [InlineData(1024L, 1, 48000, 1, 44100, 941L)]              // 940.8 → 941
    [InlineData(48600L, 1, 90000, 1, 1000000, 540000L)]        // cityCC0's start time
    [InlineData(9_000_000_000_000L, 1, 90000, 1, 1000000000, 100_000_000_000_000_000L)] // 1e8 s in ns: the product overflows 64 bits
    public async Task Rescale_RoundsLikeAvRescaleQ(long value, int fromNum, int fromDen, int toNum, int toDen, long expected)
    {
        await Task.Yield();
        Assert.Equal(expected, Rational.Rescale(value, new Rational(fromNum, fromDen), new Rational(toNum, toDen)));
    }

    [Fact(Timeout = 10000)]
    public async Task Rescale_LeavesNoTimestampAlone()
    {
        await Task.Yield();
        Assert.Equal(Timestamp.None, Rational.Rescale(Timestamp.None, new Rational(1, 25), new Rational(1, 90000)));
        Assert.True(double.IsNaN(Timestamp.ToSeconds(Timestamp.None, new Rational(1, 25))));
    }

    [Fact(Timeout = 10000)]
    public async Task Rescale_MatchesFfmpegsOwnRescaling()
    {
        // ffprobe prints pts (in the stream time base) and pts_time; rescaling pts to microseconds must agree with
        // pts_time for every packet of a real file.
        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -show_entries packet=pts,pts_time \"{TestMedia.CityCC0}\"");
        foreach (var packet in json.RootElement.GetProperty("packets").EnumerateArray())
        {
            var pts = long.Parse(packet.GetProperty("pts").ToString());
            var seconds = double.Parse(packet.GetProperty("pts_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal((long)Math.Round(seconds * 1_000_000), Rational.Rescale(pts, new Rational(1, 90000), Rational.Microseconds));
        }
    }

    [Theory(Timeout = 10000)]
    [InlineData("30000/1001", 30000, 1001)]
    [InlineData("25", 25, 1)]
    [InlineData("29.97", 29970, 1000)]
    public async Task Parse_ReadsFractionsIntegersAndDecimals(string text, int num, int den)
    {
        await Task.Yield();
        Assert.Equal(new Rational(num, den), Rational.Parse(text));
    }

    [Fact(Timeout = 10000)]
    public async Task Rational_InvertIsValidAndToDouble_BehaveAsTheirNamesSay()
    {
        await Task.Yield();
        var rate = new Rational(30000, 1001);
        Assert.Equal(new Rational(1001, 30000), rate.Invert());
        Assert.True(rate.IsValid);
        Assert.False(new Rational(0, 1).IsValid);
        Assert.False(default(Rational).IsValid);
        Assert.Equal(29.97, rate.ToDouble(), 2);
        Assert.Equal(0, new Rational(1, 0).ToDouble());
        Assert.Equal("30000/1001", rate.ToString());
    }
}
