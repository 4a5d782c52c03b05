using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>An audio frame: samples in FFmpeg's layout (planar or packed), rate, channels and timing.</summary>
public sealed class AudioFrame : FrameBase
{
    internal AudioFrame() { }

    /// <summary>Allocates a frame with its own buffers for an app source.</summary>
    public static AudioFrame Allocate(int samples, SampleFormat format, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        var frame = new AudioFrame();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_audio(frame.Native, samples, format.Id, sampleRate, channels, 0),
            $"allocating {samples} samples of {format}");
        frame.Refresh(new Rational(1, sampleRate));
        frame.Pts = Timestamp.None;
        return frame;
    }

    private protected override MediaItem CreateUnpooled() => new AudioFrame();

    private protected override void CompleteTiming(Rational frameRate)
    {
        if (Duration <= 0 && SampleRate > 0) Duration = Rational.Rescale(SampleCount, new Rational(1, SampleRate), TimeBase);
    }

    public int SampleRate => Info.SampleRate;
    public int Channels => Info.Channels;
    /// <summary>Channel mask (FFmpeg's native order), 0 when unspecified.</summary>
    public ulong ChannelMask => Info.ChannelMask;
    public int SampleCount => Info.NbSamples;
    public SampleFormat Format => new(Info.Format);

    /// <summary>Address and byte size of plane <paramref name="index"/> (one per channel when planar).</summary>
    public unsafe (nint Data, int Bytes) GetPlane(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 7);
        return ((nint)Info.Data[index], Info.Linesize[0]);
    }

    /// <inheritdoc />
    public override string ToString() => $"AudioFrame {SampleCount} samples {SampleRate} Hz {Channels} ch {Format} {DescribePosition()}";
}
