using System.Text;
using Xunit;

namespace MediaGraph.Tests.Runtime;

/// <summary>The frame timeline's JSON writer: numbers formatted in place, exactly, and a buffer that flushes.</summary>
public sealed class TraceJsonWriterTests
{
    private static string Written(Action<TraceJsonWriter> write)
    {
        var stream = new MemoryStream();
        using (var json = new TraceJsonWriter(stream)) write(json);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1_000L, "1")]
    [InlineData(1_234_567L, "1234.567")]
    [InlineData(1_500L, "1.5")]
    [InlineData(1_050L, "1.05")]
    [InlineData(7L, "0.007")]
    [InlineData(-2_500L, "-2.5")]
    [InlineData(-3_000L, "-3")]
    [InlineData(long.MaxValue, "9223372036854775.807")]
    [InlineData(long.MinValue, "-9223372036854775.808")]
    public void Micros_WritesNanosecondsAsMicrosecondsWithoutTrailingZeros(long nanos, string expected)
        => Assert.Equal(expected, Written(json => json.Micros(nanos)));

    [Theory]
    [InlineData(0L, 1, 25, "0")]
    [InlineData(1L, 1, 25, "0.04")]
    [InlineData(-1L, 1, 25, "-0.04")]
    [InlineData(3L, 1001, 30000, "0.1001")]
    [InlineData(1L, 1, 90000, "0.000011")]
    [InlineData(324_000_000_001L, 1, 90000, "3600000.000011")]
    [InlineData(2L, 1, 3, "0.666667")]
    public void Seconds_WritesPtsTimesTimeBaseRoundedToTheMicrosecond(long pts, int num, int den, string expected)
        => Assert.Equal(expected, Written(json => json.Seconds(pts, new Rational(num, den))));

    [Fact]
    public void Number_WritesIntegers()
        => Assert.Equal("0,-1,4294967297,-9223372036854775808", Written(json =>
        {
            json.Number(0); json.Raw(","u8); json.Number(-1); json.Raw(","u8); json.Number(4294967297); json.Raw(","u8); json.Number(long.MinValue);
        }));

    [Fact]
    public void ManyMegabytes_ReachTheStreamWholeAndInOrder()
    {
        var expected = new StringBuilder();
        var text = Written(json =>
        {
            for (var i = 0; i < 400_000; i++)
            {
                json.Raw("{\"n\":"u8);
                json.Number(i);
                json.Raw(",\"t\":"u8);
                json.Micros(i * 1_001L);
                json.Raw("}\n"u8);
            }
            json.Raw(new byte[3 << 20].Select(_ => (byte)'x').ToArray()); // one fragment larger than the buffer
        });
        for (var i = 0; i < 400_000; i++) expected.Append("{\"n\":").Append(i).Append(",\"t\":").Append(Written(json => json.Micros(i * 1_001L))).Append("}\n");
        expected.Append('x', 3 << 20);
        Assert.Equal(expected.ToString(), text);
    }
}
