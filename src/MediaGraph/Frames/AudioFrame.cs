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
    internal override long EstimatedBytes => (long)SampleCount * Math.Max(1, Channels) * Math.Max(1, Format.BytesPerSample);
    public SampleFormat Format => new(Info.Format);

    /// <summary>Address and byte size of plane <paramref name="index"/> (one per channel when planar).</summary>
    public unsafe (nint Data, int Bytes) GetPlane(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 7);
        return ((nint)Info.Data[index], Info.Linesize[0]);
    }

    /// <summary>Number of planes: one per channel for a planar format, else one.</summary>
    public int PlaneCount => Format.IsPlanar ? Channels : 1;

    /// <summary>The samples of plane <paramref name="index"/> in host memory, exactly
    /// <see cref="SampleCount"/> × bytes per sample (× channels when interleaved), without the padding after them.
    /// Valid while this frame is referenced; write only after <see cref="FrameBase.MakeWritable"/>.</summary>
    public unsafe Span<byte> GetPlaneSpan(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PlaneCount);
        var format = Format;
        var bytes = SampleCount * format.BytesPerSample * (format.IsPlanar ? 1 : Channels);
        var data = (nint)Info.Data[index];
        if (data == 0) throw new InvalidOperationException($"plane {index} of this {format} frame has no data");
        return new Span<byte>((void*)data, bytes);
    }

    /// <summary>Plane <paramref name="index"/> as samples of type <typeparamref name="T"/> (<c>float</c> for flt/fltp,
    /// <c>short</c> for s16/s16p ...); the type's size must be the format's bytes per sample.</summary>
    public Span<T> GetSamples<T>(int index) where T : unmanaged
    {
        var size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (size != Format.BytesPerSample)
            throw new InvalidOperationException($"{Format} samples are {Format.BytesPerSample} bytes; {typeof(T).Name} is {size}");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(GetPlaneSpan(index));
    }

    /// <inheritdoc />
    public override string ToString() => $"AudioFrame {SampleCount} samples {SampleRate} Hz {Channels} ch {Format} {DescribePosition()}";
}
