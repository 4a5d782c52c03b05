namespace MediaGraph.Interop;

/// <summary>Look-ups used by validation: codec, format and filter names.</summary>
internal static unsafe class Codecs
{
    /// <summary>The media kind an encoder (or decoder) works on, or null with the reason when FFmpeg has none by that name.</summary>
    public static MediaKind? FindCodec(string name, bool encoder, out string? problem)
    {
        NativeLibraryCheck.EnsureLoaded();
        var status = NativeMethods.mg_codec_find(name, encoder ? 1 : 0, out var type);
        if (status < 0)
        {
            problem = NativeStatus.LastError();
            return null;
        }
        problem = null;
        return type switch { 0 => MediaKind.Video, 1 => MediaKind.Audio, _ => MediaKind.Other };
    }

    /// <summary>The output format short name for a path and optional format, or null with the reason.</summary>
    public static string? GuessOutputFormat(string path, string? format, out string? problem)
    {
        NativeLibraryCheck.EnsureLoaded();
        byte* buf = stackalloc byte[64];
        if (NativeMethods.mg_format_guess(path, format, buf, 64) < 0)
        {
            problem = NativeStatus.LastError();
            return null;
        }
        problem = null;
        return NativeMethods.Utf8(buf);
    }

    /// <summary>The rate encoder <paramref name="codec"/> runs at for a wanted <paramref name="rate"/>, as the ffmpeg
    /// CLI picks it: the nearest of the rates it lists (MPEG-1/2 video), MPEG-4 Part 2's reduced to 16-bit terms.</summary>
    public static Rational EncoderFrameRate(string codec, Rational rate)
    {
        int num = rate.Num, den = rate.Den;
        return NativeMethods.mg_codec_encoder_frame_rate(codec, ref num, ref den) == 0 ? new Rational(num, den) : rate;
    }

    public static bool NeedsGlobalHeader(string format) => NativeMethods.mg_format_needs_global_header(format) > 0;

    /// <summary>True when <paramref name="key"/> is an option of output format <paramref name="format"/>.</summary>
    public static bool FormatHasOption(string format, string key) => NativeMethods.mg_format_option_exists(format, key) > 0;
}
