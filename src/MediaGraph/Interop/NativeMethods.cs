using System.Runtime.InteropServices;

namespace MediaGraph.Interop;

/// <summary>
/// Every entry point of the native shim (native/mediagraph.h), in one place. Each comment gives the C signature.
/// Nothing outside Interop/ calls these directly without going through <see cref="NativeStatus.ThrowIfFailed"/>.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "mediagraph_native";

    internal const int Ok = 0;
    internal const int Eof = 1;
    internal const int Again = 2;
    internal const long NoPts = long.MinValue;

    // errors, diagnostics, names
    [LibraryImport(Library)] internal static partial byte* mg_last_error();
    [LibraryImport(Library)] internal static partial long mg_live_handles();
    [LibraryImport(Library)] internal static partial int mg_memory_trim();
    [LibraryImport(Library)] internal static partial long mg_memory_trims();
    [LibraryImport(Library)] internal static partial int mg_memory_stats(out long inUse, out long freeBytes, out long mapped);
    [LibraryImport(Library)] internal static partial byte* mg_version_info();
    [LibraryImport(Library)] internal static partial int mg_library_version(int which, int compiled, out uint version);
    [LibraryImport(Library)] internal static partial void mg_set_log_level(int level);
    [LibraryImport(Library)] internal static partial void mg_error_string(int code, byte* buf, int bufSize);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_pix_fmt_from_name(string name);
    [LibraryImport(Library)] internal static partial byte* mg_pix_fmt_name(int pixFmt);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_sample_fmt_from_name(string name);
    [LibraryImport(Library)] internal static partial byte* mg_sample_fmt_name(int sampleFmt);
    [LibraryImport(Library)] internal static partial int mg_sample_fmt_layout(int sampleFmt, out int bytesPerSample, out int planar);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_codec_find(string name, int isEncoder, out int mediaType);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_codec_encoder_frame_rate(string name, ref int num, ref int den);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_format_find(string name, int isOutput);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_format_guess(string path, string? format, byte* buf, int bufSize);
    // int mg_parse_video_rate(const char *text, int *num, int *den)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_parse_video_rate(string text, out int num, out int den);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_filter_find(string name);
    // int mg_muxer_default_codec(const char *format, const char *path, int media_type, char *codec, int codec_size, char *encoder, int encoder_size)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_muxer_default_codec(string? format, string path, int mediaType, byte* codec, int codecSize, byte* encoder, int encoderSize);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_format_needs_global_header(string format);
    // int mg_muxer_timing_flags(const char *format, const char *path, int *variable_fps, int *no_timestamps, char *name, int name_size)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_muxer_timing_flags(string? format, string path, out int variableFps, out int noTimestamps, byte* name, int nameSize);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_format_option_exists(string format, string key);

    // codec parameters
    [LibraryImport(Library)] internal static partial void mg_codecpar_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_codecpar_info(nint p, out StreamInfo info);
    // int mg_codecpar_to_wire(const mg_codecpar *p, uint8_t *buf, int cap, int *size)
    [LibraryImport(Library)] internal static partial int mg_codecpar_to_wire(nint p, byte* buf, int cap, out int size);
    // int mg_codecpar_from_wire(const uint8_t *buf, int size, mg_codecpar **out)
    [LibraryImport(Library)] internal static partial int mg_codecpar_from_wire(byte* buf, int size, out nint codecpar);

    // packets
    [LibraryImport(Library)] internal static partial int mg_packet_alloc(out nint packet);
    [LibraryImport(Library)] internal static partial void mg_packet_free(ref nint p);
    [LibraryImport(Library)] internal static partial void mg_packet_unref(nint p);
    [LibraryImport(Library)] internal static partial int mg_packet_ref(nint dst, nint src);
    [LibraryImport(Library)] internal static partial int mg_packet_get_info(nint p, out PacketInfo info);
    [LibraryImport(Library)] internal static partial void mg_packet_set_timing(nint p, long pts, long dts, long duration);
    [LibraryImport(Library)] internal static partial void mg_packet_set_flags(nint p, int flags);
    [LibraryImport(Library)] internal static partial int mg_packet_from_data(nint p, byte* data, int size);

    // frames
    [LibraryImport(Library)] internal static partial int mg_frame_alloc(out nint frame);
    [LibraryImport(Library)] internal static partial void mg_frame_free(ref nint p);
    [LibraryImport(Library)] internal static partial void mg_frame_unref(nint f);
    [LibraryImport(Library)] internal static partial int mg_frame_ref(nint dst, nint src);
    [LibraryImport(Library)] internal static partial int mg_frame_get_info(nint f, out FrameInfo info);
    [LibraryImport(Library)] internal static partial void mg_frame_set_timing(nint f, long pts, long duration);
    [LibraryImport(Library)] internal static partial int mg_frame_alloc_video(nint f, int width, int height, int pixFmt, int align);
    [LibraryImport(Library)] internal static partial int mg_frame_alloc_audio(nint f, int nbSamples, int sampleFmt, int sampleRate, int channels, ulong channelMask);
    [LibraryImport(Library)] internal static partial int mg_frame_make_writable(nint f);
    [LibraryImport(Library)] internal static unsafe partial int mg_frame_wrap_device(nint f, nint props, int width, int height, int pixFmt, nint data, nuint size,
        long* offsets, int* linesize, delegate* unmanaged<nint, nint, void> release, nint opaque);
    [LibraryImport(Library)] internal static partial int mg_frame_color(nint f, out int colorspace, out int range);
    [LibraryImport(Library)] internal static partial void mg_frame_set_interlacing(nint f, int interlaced, int topFieldFirst);
    [LibraryImport(Library)] internal static partial int mg_frame_copy_props(nint dst, nint src);
    [LibraryImport(Library)] internal static partial void mg_frame_set_sar(nint f, int num, int den);
    [LibraryImport(Library)] internal static partial void mg_frame_set_color(nint f, int colorspace, int range);
    [LibraryImport(Library)] internal static partial int mg_pix_fmt_plane_geometry(int pixFmt, int width, int height, int plane, out int rowBytes, out int rows);

    // demuxer
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_demuxer_open(string url, string? format, string? options, out nint demuxer);
    // int mg_demuxer_open_timed(const char*, const char*, const char*, int64_t open_timeout_us, int64_t read_timeout_us, const int *cancel, mg_demuxer**)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_demuxer_open_timed(string url, string? format, string? options, long openTimeoutUs, long readTimeoutUs, nint cancel, out nint demuxer);
    [LibraryImport(Library)] internal static partial void mg_demuxer_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_demuxer_stream_count(nint d);
    [LibraryImport(Library)] internal static partial int mg_demuxer_stream_info(nint d, int index, out StreamInfo info);
    [LibraryImport(Library)] internal static partial int mg_demuxer_codecpar(nint d, int index, out nint codecpar);
    [LibraryImport(Library)] internal static partial long mg_demuxer_start_time(nint d);
    [LibraryImport(Library)] internal static partial long mg_demuxer_duration(nint d);
    [LibraryImport(Library)] internal static partial byte* mg_demuxer_format_name(nint d);
    [LibraryImport(Library)] internal static partial int mg_demuxer_ts_discontinuous(nint d);
    [LibraryImport(Library)] internal static partial int mg_demuxer_best_stream(nint d, int mediaType);
    [LibraryImport(Library)] internal static partial int mg_demuxer_read(nint d, nint packet, out PacketInfo info);
    [LibraryImport(Library)] internal static partial void mg_demuxer_interrupt(nint d);
    // int mg_demuxer_format_details(const mg_demuxer *d, mg_format_details *out)
    [LibraryImport(Library)] internal static partial int mg_demuxer_format_details(nint d, out FormatDetails details);
    // int mg_demuxer_stream_details(const mg_demuxer *d, int index, mg_stream_details *out)
    [LibraryImport(Library)] internal static partial int mg_demuxer_stream_details(nint d, int index, out StreamDetails details);
    // int mg_demuxer_tag(const mg_demuxer *d, int stream, int i, char *key, int key_size, int *key_len, char *value, int value_size, int *value_len)
    [LibraryImport(Library)] internal static partial int mg_demuxer_tag(nint d, int stream, int i, byte* key, int keySize, out int keyLength, byte* value, int valueSize, out int valueLength);

    // decoder
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_decoder_open(nint codecpar, string? codecName, int threads, string? options, out nint decoder);
    [LibraryImport(Library)] internal static partial void mg_decoder_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_decoder_send(nint d, nint packet);
    [LibraryImport(Library)] internal static partial int mg_decoder_receive(nint d, nint frame);

    // encoder
    [LibraryImport(Library)] internal static partial int mg_encoder_open(in EncoderConfig config, out nint encoder);
    [LibraryImport(Library)] internal static partial void mg_encoder_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_encoder_send(nint e, nint frame);
    // int mg_encoder_send_at(mg_encoder *e, const mg_frame *f, int64_t pts, int64_t duration)
    [LibraryImport(Library)] internal static partial int mg_encoder_send_at(nint e, nint frame, long pts, long duration);
    [LibraryImport(Library)] internal static partial int mg_encoder_receive(nint e, nint packet, out PacketInfo info);
    [LibraryImport(Library)] internal static partial void mg_encoder_time_base(nint e, out int num, out int den);
    [LibraryImport(Library)] internal static partial int mg_encoder_codecpar(nint e, out nint codecpar);

    // muxer
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_muxer_open(string path, string? format, string? options, out nint muxer);
    [LibraryImport(Library)] internal static partial void mg_muxer_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_muxer_needs_global_header(nint m);
    [LibraryImport(Library)] internal static partial int mg_muxer_add_stream(nint m, nint codecpar, out int index);
    [LibraryImport(Library)] internal static partial int mg_muxer_write_header(nint m);
    [LibraryImport(Library)] internal static partial int mg_muxer_write(nint m, nint packet, int streamIndex, int tbNum, int tbDen);
    [LibraryImport(Library)] internal static partial int mg_muxer_close(nint m);
    [LibraryImport(Library)] internal static partial long mg_muxer_timestamp_fixes(nint m);

    // filter graph
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_filter_graph_create(string description, int threads, out nint graph);
    [LibraryImport(Library)] internal static partial void mg_filter_graph_free(ref nint p);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_input_count(nint g);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_input_type(nint g, int index);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_output_count(nint g);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_output_type(nint g, int index);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_set_input(nint g, int index, in StreamInfo info);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_configure(nint g);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_output_info(nint g, int index, out StreamInfo info);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_push(nint g, int index, nint frame);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_pull(nint g, int index, nint frame);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_wants_input(nint g, int index);

    internal static string? Utf8(byte* p) => p == null ? null : Marshal.PtrToStringUTF8((nint)p);
}

/// <summary>mg_stream_info.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StreamInfo
{
    public int Index;
    public int MediaType;
    public fixed byte CodecName[64];
    public int Width, Height;
    public int PixFmt;
    public int SarNum, SarDen;
    public int FieldOrder;
    public int SampleRate;
    public int SampleFmt;
    public int Channels;
    public ulong ChannelMask;
    public int TbNum, TbDen;
    public int FrNum, FrDen;
    public long StartTime;
    public long Duration;
    public long NbFrames;
    public long BitRate;
    public double Rotation;
    public int GuessFrNum, GuessFrDen;

    public string Codec
    {
        get { fixed (byte* p = CodecName) return NativeMethods.Utf8(p) ?? ""; }
    }
}

/// <summary>mg_packet_info.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PacketInfo
{
    public long Pts, Dts, Duration;
    public long Pos;
    public byte* Data;
    public int Size;
    public int StreamIndex;
    public int Flags;
}

/// <summary>mg_frame_info.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FrameInfo
{
    public int MediaType;
    public int Format;
    public int Width, Height;
    public int SarNum, SarDen;
    public int Interlaced, TopFieldFirst, KeyFrame, PictType;
    public int SampleRate, NbSamples, Channels;
    public ulong ChannelMask;
    public long Pts;
    public long Duration;
    public int DecodeErrorFlags;
    public int Hw;
    public fixed ulong Data[8];
    public fixed int Linesize[8];
}

/// <summary>mg_encoder_config.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct EncoderConfig
{
    public byte* Codec;
    public int Width, Height;
    public int PixFmt;
    public int InputPixFmt;
    public int SarNum, SarDen;
    public int FrNum, FrDen;
    public int TbNum, TbDen;
    public int SampleRate;
    public int SampleFmt;
    public int Channels;
    public ulong ChannelMask;
    public int InputSampleFmt, InputSampleRate, InputChannels;
    public ulong InputChannelMask;
    public long BitRate;
    public int Gop;
    public int MaxBFrames;
    public int Threads;
    public int GlobalHeader;
    public int FieldOrder;
    public byte* Options;
    public nint ColorFrame;   // const mg_frame*: the first frame, whose colour tags the encoder takes (0: none)
    public nint Cuda;         // mg_cuda*: 0 for host frames; else CUDA frames of InputPixFmt on that device (NVENC)
}

/// <summary>mg_format_details.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FormatDetails
{
    public fixed byte LongNameBytes[128];
    public long Size;
    public long BitRate;
    public int NbPrograms;
    public int ProbeScore;
    public int TagCount;

    public string LongName
    {
        get { fixed (byte* p = LongNameBytes) return NativeMethods.Utf8(p) ?? ""; }
    }
}

/// <summary>mg_stream_details.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StreamDetails
{
    public const int LevelUnknown = -99;

    public fixed byte ProfileBytes[64];
    public int Level;
    public fixed byte ColorRangeBytes[32];
    public fixed byte ColorSpaceBytes[32];
    public fixed byte ColorPrimariesBytes[32];
    public fixed byte ColorTransferBytes[32];
    public fixed byte ChannelLayoutBytes[64];
    public int RFrNum, RFrDen;
    public int AvgFrNum, AvgFrDen;
    public int Disposition;
    public int TagCount;

    public string? Profile { get { fixed (byte* p = ProfileBytes) return NonEmpty(p); } }
    public string? ColorRange { get { fixed (byte* p = ColorRangeBytes) return NonEmpty(p); } }
    public string? ColorSpace { get { fixed (byte* p = ColorSpaceBytes) return NonEmpty(p); } }
    public string? ColorPrimaries { get { fixed (byte* p = ColorPrimariesBytes) return NonEmpty(p); } }
    public string? ColorTransfer { get { fixed (byte* p = ColorTransferBytes) return NonEmpty(p); } }
    public string? ChannelLayout { get { fixed (byte* p = ChannelLayoutBytes) return NonEmpty(p); } }

    private static string? NonEmpty(byte* p) => NativeMethods.Utf8(p) is { Length: > 0 } s ? s : null;
}

/// <summary>FFmpeg's log per owner and the chunks of segment/hls outputs (native/log.c, native/mux.c).</summary>
internal static unsafe partial class NativeMethods
{
    // int mg_log_sink_create(int level, mg_log_sink **out)
    [LibraryImport(Library)] internal static partial int mg_log_sink_create(int level, out nint sink);
    // void mg_log_sink_free(mg_log_sink **p)
    [LibraryImport(Library)] internal static partial void mg_log_sink_free(ref nint sink);
    // int mg_log_sink_read(mg_log_sink *s, int *level, char *item, int item_size, char *text, int text_size)
    [LibraryImport(Library)] internal static partial int mg_log_sink_read(nint sink, out int level, byte* item, int itemSize, byte* text, int textSize);
    // int64_t mg_log_sink_take_dropped(mg_log_sink *s)
    [LibraryImport(Library)] internal static partial long mg_log_sink_take_dropped(nint sink);
    // int mg_log_sink_take_error(mg_log_sink *s, char *buf, int buf_size)
    [LibraryImport(Library)] internal static partial int mg_log_sink_take_error(nint sink, byte* buf, int bufSize);
    // int mg_X_set_log(mg_X *x, mg_log_sink *sink)
    [LibraryImport(Library)] internal static partial int mg_demuxer_set_log(nint demuxer, nint sink);
    [LibraryImport(Library)] internal static partial int mg_decoder_set_log(nint decoder, nint sink);
    [LibraryImport(Library)] internal static partial int mg_encoder_set_log(nint encoder, nint sink);
    [LibraryImport(Library)] internal static partial int mg_muxer_set_log(nint muxer, nint sink);
    [LibraryImport(Library)] internal static partial int mg_filter_graph_set_log(nint graph, nint sink);
    // int mg_muxer_next_chunk(mg_muxer *m, mg_chunk_info *out)
    [LibraryImport(Library)] internal static partial int mg_muxer_next_chunk(nint muxer, out ChunkInfo info);
}

/// <summary>mg_chunk_info.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ChunkInfo
{
    public fixed byte PathBytes[1024];
    public long Index;
    public double Start;
    public double Duration;
    public long Frames;
    public long Packets;

    public string Path { get { fixed (byte* p = PathBytes) return NativeMethods.Utf8(p) ?? ""; } }
}

/// <summary>FFmpeg's expression evaluator (native/expr.c).</summary>
internal static unsafe partial class NativeMethods
{
    // int mg_expr_parse(const char *text, const char *names, mg_expr **out)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_expr_parse(string text, string names, out nint expr);
    // double mg_expr_eval(mg_expr *e, const double *values)
    [LibraryImport(Library)] internal static partial double mg_expr_eval(nint expr, double* values);
    // void mg_expr_free(mg_expr **p)
    [LibraryImport(Library)] internal static partial void mg_expr_free(ref nint expr);
}
