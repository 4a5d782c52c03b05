namespace MediaGraph.Interop;

/// <summary>
/// The ffmpeg CLI's choice of encoder for an output given no codec (DESIGN decision 14): the output format (named,
/// or guessed from the path) names a codec per media kind with <c>av_guess_codec</c> (image2 looks at the file
/// name, so <c>frame_%03d.png</c> gives png and <c>.jpg</c> mjpeg), and that codec's default encoder
/// (<c>avcodec_find_encoder</c>) encodes it: mp4 libx264 + aac, webm libvpx-vp9 + libopus, wav pcm_s16le, gif gif.
/// A format that names no codec for a kind (wav: no video; gif, image2: no audio), or takes video only as cover art
/// (mp3), takes no stream of that kind, and the CLI leaves such streams out of the output. This is the one place the
/// rule lives.
/// </summary>
internal static unsafe class OutputDefaults
{
    /// <summary>What the output format takes for one media kind.</summary>
    /// <param name="Codec">The codec the format names ("h264", "vp9"), or null when it takes no stream of this kind.</param>
    /// <param name="Encoder">The encoder the CLI picks for it ("libx264", "libvpx-vp9"), or null when the format
    /// takes no stream of this kind or this FFmpeg has no encoder for the codec.</param>
    /// <param name="Format">The output format's short name ("mp4", "image2").</param>
    internal readonly record struct Choice(string? Codec, string? Encoder, string Format)
    {
        /// <summary>The format takes no stream of this kind: the CLI leaves it out.</summary>
        public bool TakesNone => Codec is null;
    }

    /// <summary>The CLI's choice for a <paramref name="kind"/> (video or audio) stream of output
    /// <paramref name="path"/> in <paramref name="format"/> (null: guessed from the path), or null with FFmpeg's
    /// reason when the format is unknown or cannot be guessed.</summary>
    public static Choice? For(string path, string? format, MediaKind kind, out string? problem)
    {
        NativeLibraryCheck.EnsureLoaded();
        var muxer = Codecs.GuessOutputFormat(path, format, out problem);
        if (muxer is null) return null;
        byte* codec = stackalloc byte[64];
        byte* encoder = stackalloc byte[64];
        var type = kind == MediaKind.Video ? 0 : 1;
        if (NativeMethods.mg_muxer_default_codec(format, path, type, codec, 64, encoder, 64) < 0)
        {
            problem = NativeStatus.LastError();
            return null;
        }
        problem = null;
        return new Choice(Empty(NativeMethods.Utf8(codec)), Empty(NativeMethods.Utf8(encoder)), muxer);

        static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    }

    /// <summary>What the ffmpeg CLI's <c>-vsync auto</c> reads of an output format: whether it stores any
    /// timestamps (AVFMT_VARIABLE_FPS: mkv, webm, flv) and whether it stores none (AVFMT_NOTIMESTAMPS: image
    /// sequences, raw video), with the format's short name; null with FFmpeg's reason when the format is unknown or
    /// cannot be guessed from <paramref name="path"/>.</summary>
    public static MuxerTiming? TimingOf(string path, string? format, out string? problem)
    {
        NativeLibraryCheck.EnsureLoaded();
        byte* name = stackalloc byte[64];
        if (NativeMethods.mg_muxer_timing_flags(format, path, out var variable, out var none, name, 64) < 0)
        {
            problem = NativeStatus.LastError();
            return null;
        }
        problem = null;
        return new MuxerTiming(variable != 0, none != 0, NativeMethods.Utf8(name) ?? "");
    }
}

/// <summary>The timestamp abilities of an output format that decide its frame-rate policy.</summary>
/// <param name="VariableFrameRate">The container stores any timestamps (AVFMT_VARIABLE_FPS).</param>
/// <param name="NoTimestamps">The container stores no timestamps (AVFMT_NOTIMESTAMPS).</param>
/// <param name="Format">The format's short name ("mp4", "matroska", "avi").</param>
internal readonly record struct MuxerTiming(bool VariableFrameRate, bool NoTimestamps, string Format);
