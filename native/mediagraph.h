/*
 * mediagraph.h — the native layer of MediaGraph: a small, handle-based C API over FFmpeg.
 *
 * Conventions (every function follows them):
 *  - Functions that can fail return int: MG_OK (0), MG_EOF (1, end of stream: a state, not an error),
 *    MG_AGAIN (2, "send more input" / "receive output first": a state, not an error), or a negative
 *    FFmpeg AVERROR code. On failure mg_last_error() returns a thread-local message naming the operation and
 *    FFmpeg's error text, e.g. "avformat_open_input('x.mp4'): No such file or directory".
 *  - Every handle is created by mg_X_open/alloc/create(..., mg_X **out) and freed by mg_X_free(mg_X **p), which
 *    accepts NULL and *p == NULL and sets *p to NULL. mg_live_handles() counts all live handles of every kind.
 *  - No mutable globals besides the live-handle and memory-trim counters and the thread-local error message.
 *  - Timestamps are int64 in the time base named next to them; MG_NOPTS marks "unknown".
 *  - Option strings are "key=value" pairs separated by '\n' (so values may contain ':' and ','); NULL or "" means none.
 *    An option that no component recognises is an error that names the option.
 */
#ifndef MEDIAGRAPH_H
#define MEDIAGRAPH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define MG_API __declspec(dllexport)
#else
#define MG_API __attribute__((visibility("default")))
#endif

#define MG_OK 0
#define MG_EOF 1
#define MG_AGAIN 2
#define MG_NOPTS ((int64_t)UINT64_C(0x8000000000000000))

/* Media types (same values as AVMediaType). */
#define MG_MEDIA_UNKNOWN (-1)
#define MG_MEDIA_VIDEO 0
#define MG_MEDIA_AUDIO 1
#define MG_MEDIA_DATA 2
#define MG_MEDIA_SUBTITLE 3
#define MG_MEDIA_ATTACHMENT 4

/* ---------- errors, diagnostics, names ---------- */

/* Thread-local text of the last failure on this thread ("" when none). Valid until the next failing call. */
MG_API const char *mg_last_error(void);
/* Number of live handles of all kinds (demuxer, decoder, encoder, muxer, filter graph, packet, frame, codecpar, log sink). */
MG_API int64_t mg_live_handles(void);
/* The C heap. mg_memory_trim gives the free memory of every malloc arena back to the system (glibc's malloc_trim(0):
   the heap's top and the free pages inside each thread's arena); MediaGraph calls it when a graph run ends. Returns 1
   when memory was released, 0 when none was, -1 where the C library has no such call. */
MG_API int mg_memory_trim(void);
/* Times mg_memory_trim ran in this process. */
MG_API int64_t mg_memory_trims(void);
/* What the C heap holds (glibc's mallinfo2, every arena): bytes allocated and in use, bytes free but kept by the
   allocator, bytes the allocator has from the system. MG_OK, or -1 (all three -1) where the C library cannot say. */
MG_API int mg_memory_stats(int64_t *in_use, int64_t *free_bytes, int64_t *mapped);
/* "libavformat 59.27.100, libavcodec 59.37.100, ..." of the libraries loaded at run time; static string. */
MG_API const char *mg_version_info(void);
/* Version numbers (LIBAVCODEC_VERSION_INT etc.) the shim was compiled against and runs against. which: 0 avutil, 1 avcodec, 2 avformat, 3 avfilter, 4 swscale, 5 swresample. */
MG_API int mg_library_version(int which, int compiled, unsigned *out_version);
/* The level (AV_LOG_* values: -8 quiet, 16 error, 24 warning, 32 info) up to which FFmpeg's default printer writes the
   lines of contexts no log sink owns to stderr. Lines of bound contexts go to their sink instead. */
MG_API void mg_set_log_level(int level);
/* FFmpeg's own log, per owner. A sink collects the lines of the contexts bound to it (mg_decoder_set_log and the
   like), whichever thread FFmpeg logged them on: frame and slice threads of codecs, filter threads, the chunks of the
   segment and hls muxers. level: the most verbose AV_LOG_* level kept (-8 none). The sink's first two members are
   ints a caller may read without a call: the number of lines waiting, and 1 when an error line waits for
   mg_log_sink_take_error. Freeing a sink unbinds its contexts. */
typedef struct mg_log_sink mg_log_sink;
MG_API int mg_log_sink_create(int level, mg_log_sink **out);
MG_API void mg_log_sink_free(mg_log_sink **p);
/* The oldest waiting line: MG_OK, or MG_AGAIN when none waits. item: the context's name ("h264", "mp4", "Parsed_yadif_0"). */
MG_API int mg_log_sink_read(mg_log_sink *s, int *level, char *item, int item_size, char *text, int text_size);
/* Lines lost because nobody read the sink fast enough, since the last call. */
MG_API int64_t mg_log_sink_take_dropped(mg_log_sink *s);
/* The first error-level line the sink's contexts logged since the last call (MG_OK), or MG_AGAIN when none. Errors are
   kept whatever the sink's level: they are the reason a failing call on these contexts quotes. */
MG_API int mg_log_sink_take_error(mg_log_sink *s, char *buf, int buf_size);
/* Formats an AVERROR code into buf. */
MG_API void mg_error_string(int code, char *buf, int buf_size);

/* Pixel / sample formats by name ("yuv420p", "nv12", "fltp"): returns the AV enum value or -1. */
MG_API int mg_pix_fmt_from_name(const char *name);
MG_API const char *mg_pix_fmt_name(int pix_fmt);           /* NULL when unknown */
MG_API int mg_sample_fmt_from_name(const char *name);
MG_API const char *mg_sample_fmt_name(int sample_fmt);     /* NULL when unknown */
MG_API int mg_sample_fmt_layout(int sample_fmt, int *out_bytes_per_sample, int *out_planar);
/* Looks up an encoder (is_encoder=1) or decoder by name. Returns MG_OK and its media type, or AVERROR_ENCODER_NOT_FOUND /
   AVERROR_DECODER_NOT_FOUND with a message. */
MG_API int mg_codec_find(const char *name, int is_encoder, int *out_media_type);
/* The frame rate encoder `name` will run at for a wanted *num / *den, as the ffmpeg CLI picks it: the nearest rate of
   an encoder that lists its rates (mpeg1video, mpeg2video ...), and MPEG-4 Part 2's rate reduced to a denominator and
   numerator <= 65535. Rewrites *num / *den; MG_OK, or AVERROR_ENCODER_NOT_FOUND / AVERROR(EINVAL) leaving them. */
MG_API int mg_codec_encoder_frame_rate(const char *name, int *num, int *den);
/* Looks up an output (is_output=1) or input format by short name. MG_OK or AVERROR_MUXER_NOT_FOUND / DEMUXER_NOT_FOUND. */
MG_API int mg_format_find(const char *name, int is_output);
/* Output format that would be used for a path and optional format name: MG_OK and its short name into buf. */
MG_API int mg_format_guess(const char *path, const char *format, char *buf, int buf_size);
/* Parses a frame rate as the ffmpeg CLI's -r does (av_parse_video_rate): "25", "30000/1001", "29.97" (2997/100),
   "ntsc", "pal", "film" ... Returns MG_OK with a positive num/den, or AVERROR(EINVAL) with a message. */
MG_API int mg_parse_video_rate(const char *text, int *num, int *den);
/* 1 when the output format (short name) wants codecs to put their headers in extradata (AVFMT_GLOBALHEADER), 0 otherwise, negative when unknown. */
MG_API int mg_format_needs_global_header(const char *format);
/* 1 when `key` is an option of output format `format` (its own or a generic muxer or file option), 0 otherwise. */
MG_API int mg_format_option_exists(const char *format, const char *key);
/* Looks up a libavfilter filter by name: MG_OK or AVERROR_FILTER_NOT_FOUND. */
MG_API int mg_filter_find(const char *name);

/* ---------- codec parameters (AVCodecParameters + time base + frame rate) ---------- */
typedef struct mg_codecpar mg_codecpar;
MG_API void mg_codecpar_free(mg_codecpar **p);

/* ---------- stream description ---------- */
typedef struct mg_stream_info {
    int index;               /* stream index in its container (or output index of a filter graph) */
    int media_type;          /* MG_MEDIA_* */
    char codec_name[64];     /* "h264", "aac", "rawvideo" ...; "" when none */
    int width, height;
    int pix_fmt;             /* AVPixelFormat, -1 unknown */
    int sar_num, sar_den;    /* sample aspect ratio, 0/1 unknown */
    int field_order;         /* AVFieldOrder: 0 unknown, 1 progressive, 2 tt, 3 bb, 4 tb, 5 bt */
    int sample_rate;
    int sample_fmt;          /* AVSampleFormat, -1 unknown */
    int channels;
    uint64_t channel_mask;   /* 0 when unspecified order */
    int tb_num, tb_den;      /* time base of timestamps on this stream */
    int fr_num, fr_den;      /* average frame rate, 0/0 unknown */
    int64_t start_time;      /* in tb, MG_NOPTS unknown */
    int64_t duration;        /* in tb, MG_NOPTS unknown */
    int64_t nb_frames;       /* 0 unknown */
    int64_t bit_rate;        /* 0 unknown */
    double rotation;         /* degrees clockwise the picture must turn to show upright (display matrix), [0, 360) */
    int guess_fr_num, guess_fr_den; /* the rate the ffmpeg CLI encodes a stream of an input at (av_guess_frame_rate:
                                       r_frame_rate unless implausible); else the frame rate above; 0/0 unknown */
} mg_stream_info;

/* Describes the parameters (codec, size or sample layout, time base, frame rate). */
MG_API int mg_codecpar_info(const mg_codecpar *p, mg_stream_info *out);

/* ---------- packets (AVPacket) ---------- */
typedef struct mg_packet mg_packet;
typedef struct mg_packet_info {
    int64_t pts, dts, duration;  /* in the time base of the stream that produced it */
    int64_t pos;                 /* byte position in the input, -1 unknown */
    uint8_t *data;
    int size;
    int stream_index;
    int flags;                   /* AV_PKT_FLAG_KEY = 1, AV_PKT_FLAG_CORRUPT = 2 */
} mg_packet_info;
MG_API int mg_packet_alloc(mg_packet **out);
MG_API void mg_packet_free(mg_packet **p);
MG_API void mg_packet_unref(mg_packet *p);
/* dst becomes a new reference to src's data (dst is unreferenced first). */
MG_API int mg_packet_ref(mg_packet *dst, const mg_packet *src);
MG_API int mg_packet_get_info(const mg_packet *p, mg_packet_info *out);
MG_API void mg_packet_set_timing(mg_packet *p, int64_t pts, int64_t dts, int64_t duration);
MG_API void mg_packet_set_flags(mg_packet *p, int flags);
/* Replaces p's content by a copy of size bytes of data. */
MG_API int mg_packet_from_data(mg_packet *p, const uint8_t *data, int size);

/* ---------- frames (AVFrame) ---------- */
typedef struct mg_frame mg_frame;
typedef struct mg_frame_info {
    int media_type;            /* MG_MEDIA_VIDEO or MG_MEDIA_AUDIO (from which fields are set), -1 when empty */
    int format;                /* AVPixelFormat or AVSampleFormat */
    int width, height;
    int sar_num, sar_den;
    int interlaced, top_field_first, key_frame, pict_type;
    int sample_rate, nb_samples, channels;
    uint64_t channel_mask;
    int64_t pts;               /* best-effort pts for decoded frames */
    int64_t duration;          /* 0 unknown */
    int decode_error_flags;    /* non-zero: the decoder concealed errors in this frame */
    int hw;                    /* 1 when the planes live on a device (hw_frames_ctx set) */
    uint8_t *data[8];
    int linesize[8];
} mg_frame_info;
MG_API int mg_frame_alloc(mg_frame **out);
MG_API void mg_frame_free(mg_frame **p);
MG_API void mg_frame_unref(mg_frame *f);
/* dst becomes a new reference to src's buffers (dst is unreferenced first). */
MG_API int mg_frame_ref(mg_frame *dst, const mg_frame *src);
MG_API int mg_frame_get_info(const mg_frame *f, mg_frame_info *out);
MG_API void mg_frame_set_timing(mg_frame *f, int64_t pts, int64_t duration);
/* Allocates buffers for an empty frame (align 0 = default). */
MG_API int mg_frame_alloc_video(mg_frame *f, int width, int height, int pix_fmt, int align);
MG_API int mg_frame_alloc_audio(mg_frame *f, int nb_samples, int sample_fmt, int sample_rate, int channels, uint64_t channel_mask);
/* Bytes of pixels in one row and number of rows of a plane of a width x height image (0, 0 when the format has no
   such plane or is a hardware format). Chroma rows of 4:2:0 round up for odd heights. */
MG_API int mg_pix_fmt_plane_geometry(int pix_fmt, int width, int height, int plane, int *row_bytes, int *rows);
/* Ensures f's buffers are not shared (copies when needed). */
MG_API int mg_frame_make_writable(mg_frame *f);
/* Makes f (unreferenced first) a frame over memory someone else owns, e.g. a pooled device buffer: base..base+size
   holds the planes at offsets with linesize (0 = no plane); the timing, flags and colour of props (may be NULL)
   are copied. release(opaque, base) runs when the last reference to the frame's buffer goes. */
MG_API int mg_frame_wrap_device(mg_frame *f, const mg_frame *props, int width, int height, int pix_fmt, uint8_t *base,
                                size_t size, const int64_t offsets[4], const int linesize[4],
                                void (*release)(void *opaque, uint8_t *data), void *opaque);
/* The frame's AVColorSpace and AVColorRange. */
MG_API int mg_frame_color(const mg_frame *f, int *colorspace, int *range);
/* Sets the interlaced and top-field-first flags (a deinterlacer's output is progressive). */
MG_API void mg_frame_set_interlacing(mg_frame *f, int interlaced, int top_field_first);
/* Copies timing, flags, colour and side data (not the pixels) of src to dst. */
MG_API int mg_frame_copy_props(mg_frame *dst, const mg_frame *src);
/* Sets the sample (pixel) aspect ratio. */
MG_API void mg_frame_set_sar(mg_frame *f, int num, int den);
/* Sets the AVColorSpace and AVColorRange. */
MG_API void mg_frame_set_color(mg_frame *f, int colorspace, int range);

/* ---------- demuxer ---------- */
typedef struct mg_demuxer mg_demuxer;
/* Opens url (file path or any protocol FFmpeg knows) and reads stream info. format: input format name or NULL.
   options: demuxer/protocol options ("rw_timeout=5000000\nanalyzeduration=..."). */
MG_API int mg_demuxer_open(const char *url, const char *format, const char *options, mg_demuxer **out);
/* As mg_demuxer_open, with deadlines (microseconds, 0 = none) enforced by the interrupt callback, so they hold for
   every protocol: opening and reading the stream info must end within open_timeout_us, each mg_demuxer_read within
   read_timeout_us. A deadline that passes fails with AVERROR(ETIMEDOUT) and a message naming the timeout. cancel
   (NULL for none): a flag another thread may set to non-zero while this call runs, which makes the open give up with
   AVERROR_EXIT; it is not used after the call returns. */
MG_API int mg_demuxer_open_timed(const char *url, const char *format, const char *options, int64_t open_timeout_us,
                                 int64_t read_timeout_us, const int *cancel, mg_demuxer **out);
MG_API void mg_demuxer_free(mg_demuxer **p);
MG_API int mg_demuxer_stream_count(const mg_demuxer *d);
MG_API int mg_demuxer_stream_info(const mg_demuxer *d, int index, mg_stream_info *out);
/* Copy of the stream's codec parameters with its time base and frame rate. */
MG_API int mg_demuxer_codecpar(const mg_demuxer *d, int index, mg_codecpar **out);
/* Container start time and duration in microseconds (MG_NOPTS unknown); format short name. */
MG_API int64_t mg_demuxer_start_time(const mg_demuxer *d);
MG_API int64_t mg_demuxer_duration(const mg_demuxer *d);
MG_API const char *mg_demuxer_format_name(const mg_demuxer *d);
/* 1 when the format's timestamps may jump (AVFMT_TS_DISCONT: MPEG-TS, MPEG-PS), 0 otherwise. */
MG_API int mg_demuxer_ts_discontinuous(const mg_demuxer *d);
/* Best stream of a media type (av_find_best_stream), or a negative AVERROR_STREAM_NOT_FOUND. */
MG_API int mg_demuxer_best_stream(const mg_demuxer *d, int media_type);
/* Reads the next packet of any stream into pkt (unreferenced first) and fills info. MG_EOF at end of input. */
MG_API int mg_demuxer_read(mg_demuxer *d, mg_packet *pkt, mg_packet_info *info);
/* Makes a blocking open/read on this demuxer return AVERROR_EXIT as soon as possible; thread-safe. */
MG_API void mg_demuxer_interrupt(mg_demuxer *d);

/* What ffprobe -show_format -show_streams reports beyond mg_stream_info (strings in ffprobe's spelling). */
#define MG_LEVEL_UNKNOWN (-99)   /* FF_LEVEL_UNKNOWN */
typedef struct mg_format_details {
    char long_name[128];       /* "QuickTime / MOV"; "" when the format has none */
    int64_t size;              /* bytes (ffprobe's "size"), -1 unknown (a pipe, a live stream) */
    int64_t bit_rate;          /* bits per second, 0 unknown */
    int nb_programs;
    int probe_score;
    int tag_count;             /* entries of the container's metadata: mg_demuxer_tag(d, -1, i, ...) */
} mg_format_details;
MG_API int mg_demuxer_format_details(const mg_demuxer *d, mg_format_details *out);

typedef struct mg_stream_details {
    char profile[64];          /* "High", "Main", "LC"; the number when FFmpeg has no name for it; "" unknown */
    int level;                 /* as ffprobe prints it (H.264 level 4.0 is 40); MG_LEVEL_UNKNOWN unknown */
    char color_range[32];      /* "tv", "pc"; "" unspecified (ffprobe omits unspecified colour fields) */
    char color_space[32];      /* "bt709", "smpte170m", "bt2020nc" ... */
    char color_primaries[32];
    char color_transfer[32];
    char channel_layout[64];   /* "stereo", "5.1(side)" (av_channel_layout_describe); "" when the order is unspecified */
    int r_fr_num, r_fr_den;    /* r_frame_rate, 0/0 unknown */
    int avg_fr_num, avg_fr_den;/* avg_frame_rate, 0/0 unknown */
    int disposition;           /* AV_DISPOSITION_* flags: 1 default, 2 dub, 0x40 forced, 0x400 attached_pic ... */
    int tag_count;             /* entries of the stream's metadata: mg_demuxer_tag(d, index, i, ...) */
} mg_stream_details;
MG_API int mg_demuxer_stream_details(const mg_demuxer *d, int index, mg_stream_details *out);
/* Tag i (0-based, in the container's order) of the input (stream -1) or of stream `stream`, copied NUL-terminated
   into the caller's buffers. *key_len and *value_len receive the full lengths in bytes without the NUL: when one is
   not less than its buffer's size the copy was cut short, and a call with larger buffers gets it whole.
   MG_OK, or MG_EOF when i is past the last tag. */
MG_API int mg_demuxer_tag(const mg_demuxer *d, int stream, int i, char *key, int key_size, int *key_len,
                          char *value, int value_size, int *value_len);

/* ---------- decoder ---------- */
typedef struct mg_decoder mg_decoder;
/* codec_name NULL: the default decoder for the parameters' codec id. threads 0: automatic. */
MG_API int mg_decoder_open(const mg_codecpar *par, const char *codec_name, int threads, const char *options, mg_decoder **out);
MG_API void mg_decoder_free(mg_decoder **p);
/* Sends a packet (NULL = flush). MG_AGAIN: receive frames first, then send the same packet again.
   Damaged data returns AVERROR_INVALIDDATA; the decoder stays usable. */
MG_API int mg_decoder_send(mg_decoder *d, const mg_packet *pkt);
/* Receives a frame (unreferenced first); its pts is the best-effort timestamp in the packets' time base,
   its duration set from the packet. MG_AGAIN: send more; MG_EOF: fully drained after flush. */
MG_API int mg_decoder_receive(mg_decoder *d, mg_frame *out);

/* ---------- encoder ---------- */
typedef struct mg_encoder mg_encoder;
typedef struct mg_encoder_config {
    const char *codec;       /* encoder name: "libx264", "aac", "ffv1", "mjpeg" ... */
    int width, height;       /* video */
    int pix_fmt;             /* desired pixel format; -1 = as the ffmpeg CLI: the input's when the codec takes it, else
                                the codec's nearest (avcodec's best-of-list); mjpeg gets its full-range yuvj formats */
    int input_pix_fmt;       /* format of the frames that will be sent (video) */
    int sar_num, sar_den;
    int fr_num, fr_den;      /* frame rate (video); also sets the time base to 1/fr when tb is 0/0 */
    int tb_num, tb_den;      /* time base of frames sent; packets come out in mg_encoder_time_base */
    int sample_rate;         /* audio; 0 = the input's when the codec takes it, else the nearest it takes (as the CLI) */
    int sample_fmt;          /* -1 = the input's when the codec takes it, else the nearest (libavfilter's rule, as the CLI) */
    int channels;            /* audio; 0 = the input's layout when the codec takes it, else the nearest it takes (as the CLI) */
    uint64_t channel_mask;
    int input_sample_fmt, input_sample_rate, input_channels; /* audio frames that will be sent */
    uint64_t input_channel_mask;
    int64_t bit_rate;        /* 0 = codec default */
    int gop;                 /* 0 = codec default */
    int max_b_frames;        /* -1 = codec default */
    int threads;             /* 0 = automatic */
    int global_header;       /* set AV_CODEC_FLAG_GLOBAL_HEADER (the muxer needs it) */
    int field_order;         /* AVFieldOrder for the output, 0 = unknown */
    const char *options;     /* codec private options: "preset=veryfast\ncrf=23" */
    const mg_frame *color_frame; /* video: the first frame; as the ffmpeg CLI, the encoder takes its colour range,
                                    space, primaries, transfer and chroma location (NULL: unspecified) */
    struct mg_cuda *cuda;    /* video: NULL for host frames; else the frames sent are CUDA frames (mg_cuda_frame_to_hw)
                                of input_pix_fmt on this device, encoded without a host copy (NVENC) */
} mg_encoder_config;
MG_API int mg_encoder_open(const mg_encoder_config *config, mg_encoder **out);
MG_API void mg_encoder_free(mg_encoder **p);
/* Sends a frame (NULL = flush). Frames of another size/pixel format (video) or sample format/rate/layout (audio)
   are converted; audio is re-chunked to the codec's frame size. Timestamps are in config tb. */
MG_API int mg_encoder_send(mg_encoder *e, const mg_frame *f);
/* Sends a video frame to be encoded at pts with duration (config tb) instead of its own timing, which is left
   untouched: a frame shared with other encoders (each with its own frame-rate policy) is never written to. */
MG_API int mg_encoder_send_at(mg_encoder *e, const mg_frame *f, int64_t pts, int64_t duration);
/* Receives a packet in the encoder's time base. MG_AGAIN / MG_EOF as for the decoder. */
MG_API int mg_encoder_receive(mg_encoder *e, mg_packet *out, mg_packet_info *info);
MG_API void mg_encoder_time_base(const mg_encoder *e, int *num, int *den);
/* Codec parameters for a muxer stream (time base = the encoder's). */
MG_API int mg_encoder_codecpar(const mg_encoder *e, mg_codecpar **out);

/* ---------- muxer ---------- */
typedef struct mg_muxer mg_muxer;
/* Opens path for writing; format NULL = guessed from the extension. options: muxer private options
   ("movflags=+faststart", "segment_time=4", "hls_time=2"). */
MG_API int mg_muxer_open(const char *path, const char *format, const char *options, mg_muxer **out);
MG_API void mg_muxer_free(mg_muxer **p);   /* closes; writes no trailer if mg_muxer_close was not called */
MG_API int mg_muxer_needs_global_header(const mg_muxer *m);
/* Adds a stream with these parameters; codec tag cleared so parameters from another container fit. */
MG_API int mg_muxer_add_stream(mg_muxer *m, const mg_codecpar *par, int *out_index);
MG_API int mg_muxer_write_header(mg_muxer *m);
/* Writes a packet (interleaved) to stream_index, its timestamps rescaled from tb to the stream's time base.
   pkt is not modified and stays owned by the caller. */
MG_API int mg_muxer_write(mg_muxer *m, const mg_packet *pkt, int stream_index, int tb_num, int tb_den);
/* The encoder the ffmpeg CLI picks for a stream of media_type (MG_MEDIA_VIDEO / MG_MEDIA_AUDIO) when no codec is
   given: the output format (format, else guessed from path) names a codec with av_guess_codec (image2 looks at the
   file name: .png -> png, .jpg -> mjpeg), and avcodec_find_encoder picks that codec's default encoder. Writes the
   codec's name into codec ("" when the format takes no stream of that type, or video only as cover art, as mp3) and the encoder's name into encoder
   ("" when the format takes none, or when this FFmpeg has no encoder for the codec). Returns MG_OK, or
   AVERROR_MUXER_NOT_FOUND when the format is unknown or cannot be guessed. */
MG_API int mg_muxer_default_codec(const char *format, const char *path, int media_type, char *codec, int codec_size,
                                  char *encoder, int encoder_size);
/* What the ffmpeg CLI's -vsync auto reads of the output format (format, else guessed from path as above):
   variable_fps = 1 when it stores any timestamps (AVFMT_VARIABLE_FPS: mkv, webm, flv ...), no_timestamps = 1 when
   it stores none (AVFMT_NOTIMESTAMPS: image2, rawvideo ...); name receives the format's short name ("avi" is
   special-cased by the CLI). Returns MG_OK or AVERROR_MUXER_NOT_FOUND. */
MG_API int mg_muxer_timing_flags(const char *format, const char *path, int *variable_fps, int *no_timestamps,
                                 char *name, int name_size);
/* Flushes interleaving queues, writes the trailer (when the header was written) and closes the output. Idempotent. */
MG_API int mg_muxer_close(mg_muxer *m);
/* Packets whose dts did not increase and were moved forward by mg_muxer_write (as the ffmpeg CLI does). */
MG_API int64_t mg_muxer_timestamp_fixes(const mg_muxer *m);

/* A chunk the segment or hls muxer finished (its file is closed and complete). start and duration in seconds of the
   output's timestamps, timed by the first video stream (else the first stream); frames: that video stream's packets in
   the chunk (0 without video); packets: of every stream. */
typedef struct mg_chunk_info {
    char path[1024];
    int64_t index;
    double start;
    double duration;
    int64_t frames;
    int64_t packets;
} mg_chunk_info;
/* The oldest finished chunk not yet taken: MG_OK, or MG_AGAIN when none (always for other formats). */
MG_API int mg_muxer_next_chunk(mg_muxer *m, mg_chunk_info *out);

/* ---------- filter graph (libavfilter) ---------- */
typedef struct mg_filter_graph mg_filter_graph;
/* Parses a filter graph description ("yadif=mode=send_frame", "[0:v][1:v]overlay=10:10", "concat=n=2:v=1:a=1").
   Its open input pads become the graph's inputs and its open output pads its outputs, in order. */
MG_API int mg_filter_graph_create(const char *description, int threads, mg_filter_graph **out);
MG_API void mg_filter_graph_free(mg_filter_graph **p);
MG_API int mg_filter_graph_input_count(const mg_filter_graph *g);
MG_API int mg_filter_graph_input_type(const mg_filter_graph *g, int index);   /* MG_MEDIA_* */
MG_API int mg_filter_graph_output_count(const mg_filter_graph *g);
MG_API int mg_filter_graph_output_type(const mg_filter_graph *g, int index);  /* MG_MEDIA_* */
/* The name of the graph's filter `index` ("scale_cuda"), in the order the description made them (before configure:
   the description's own filters only); NULL past the last. */
MG_API const char *mg_filter_graph_filter_name(const mg_filter_graph *g, int index);
/* Describes input `index` before configure (fields used: video width, height, pix_fmt, sar, tb, fr;
   audio sample_rate, sample_fmt, channels, channel_mask, tb). */
MG_API int mg_filter_graph_set_input(mg_filter_graph *g, int index, const mg_stream_info *info);
MG_API int mg_filter_graph_configure(mg_filter_graph *g);
/* After configure: the output's format, size, time base and frame rate. */
MG_API int mg_filter_graph_output_info(const mg_filter_graph *g, int index, mg_stream_info *out);
/* Pushes a frame (NULL = end of that input); the caller keeps its reference. */
MG_API int mg_filter_graph_push(mg_filter_graph *g, int index, const mg_frame *f);
/* Pulls a frame from output `index` (out unreferenced first): MG_OK, MG_AGAIN or MG_EOF. */
MG_API int mg_filter_graph_pull(mg_filter_graph *g, int index, mg_frame *out);
/* 1 when the graph asked input `index` for a frame it did not have since its last frame (it is starving for it),
   0 otherwise: lets a caller feed the inputs the graph needs first instead of queueing others without bound. */
MG_API int mg_filter_graph_wants_input(const mg_filter_graph *g, int index);

/* ---------- log binding: each object's contexts to a log sink (NULL unbinds) ---------- */
MG_API int mg_demuxer_set_log(mg_demuxer *d, mg_log_sink *sink);
MG_API int mg_decoder_set_log(mg_decoder *d, mg_log_sink *sink);
MG_API int mg_encoder_set_log(mg_encoder *e, mg_log_sink *sink);
MG_API int mg_muxer_set_log(mg_muxer *m, mg_log_sink *sink);
MG_API int mg_filter_graph_set_log(mg_filter_graph *g, mg_log_sink *sink);

/* ---------- codec parameters on the wire (wire.c) ---------- */
/* Writes the parameters (codec by name, every field a decoder needs, extradata, time base, frame rate) in a portable,
 * versioned byte form. With buf NULL only *size is set (the bytes needed); a buffer too small fails with ENOSPC. */
MG_API int mg_codecpar_to_wire(const mg_codecpar *p, uint8_t *buf, int cap, int *size);
/* Reads what mg_codecpar_to_wire wrote; a truncated or foreign form fails with AVERROR_INVALIDDATA and a message. */
MG_API int mg_codecpar_from_wire(const uint8_t *buf, int size, mg_codecpar **out);

/* ---------- CUDA (hw.c): one context for FFmpeg, the kernels and ONNX Runtime ---------- */
/* The NVIDIA driver (driver_library, NULL = "libcuda.so.1") is loaded with dlopen by these calls, never linked: without
   a driver they fail with AVERROR(ENOSYS) and a message saying so, and the rest of the shim works. */
typedef struct mg_cuda mg_cuda;
/* Loads the driver and counts the GPUs (MG_OK), or says why there is none. */
MG_API int mg_cuda_probe(const char *driver_library, int *device_count);
/* Opens CUDA device `ordinal`: retains its PRIMARY context (the one ONNX Runtime's CUDA provider selects with
   cudaSetDevice), creates one blocking stream in it, and makes FFmpeg's AVHWDeviceContext over both
   (av_hwdevice_ctx_alloc + AVCUDADeviceContext.cuda_ctx/stream + av_hwdevice_ctx_init: FFmpeg neither creates nor
   destroys the context). mg_cuda_free releases the context. */
MG_API int mg_cuda_open(const char *driver_library, int ordinal, mg_cuda **out);
MG_API void mg_cuda_free(mg_cuda **p);
MG_API void *mg_cuda_context(const mg_cuda *c);   /* CUcontext (the primary context) */
MG_API void *mg_cuda_stream(const mg_cuda *c);    /* CUstream shared by FFmpeg (NVDEC mapping, NVENC IO, filters) */
MG_API const char *mg_cuda_name(const mg_cuda *c);
/* A context of the handle's device that is NOT the primary one, and its destruction (the primary one is refused):
   for moving ILGPU's accelerator onto the primary context (see docs/gpu.md). The thread's current context is kept. */
MG_API int mg_cuda_ctx_create(mg_cuda *c, void **ctx);
MG_API int mg_cuda_ctx_destroy(mg_cuda *c, void *ctx);
/* Ordering on the GPU: a producer records an event on its stream (NULL = the handle's), a consumer's stream waits on
   it without the host waiting; query: MG_OK when the work before the record has run, MG_AGAIN while it has not. */
MG_API int mg_cuda_event_create(mg_cuda *c, void **event);
MG_API void mg_cuda_event_free(mg_cuda *c, void **event);
MG_API int mg_cuda_event_record(mg_cuda *c, void *event, void *stream);
MG_API int mg_cuda_stream_wait_event(mg_cuda *c, void *stream, void *event);
MG_API int mg_cuda_event_query(mg_cuda *c, void *event);
MG_API int mg_cuda_event_synchronize(mg_cuda *c, void *event);
/* dst (unreferenced first) becomes a reference to src's planes (a MediaGraph device frame: software pixel format over
   device memory) as an FFmpeg CUDA frame: format AV_PIX_FMT_CUDA with a hw_frames_ctx (sw_format = src's format) on
   the handle's device, which FFmpeg's CUDA filters (scale_cuda, yadif_cuda, overlay_cuda) and NVENC take. */
MG_API int mg_cuda_frame_to_hw(mg_cuda *c, mg_frame *dst, const mg_frame *src);
/* The reverse, in place: an FFmpeg CUDA frame (NVDEC's mapped surface, a CUDA filter's output) becomes a MediaGraph
   device frame (format = its sw_format, no hw_frames_ctx, planes and buffers unchanged: zero copy). base/size: the
   device span holding every plane (for a view over it). */
MG_API int mg_frame_hw_to_device(mg_frame *f, uint8_t **base, size_t *size);
/* As mg_decoder_open, decoding into CUDA frames with NVDEC when cuda is given and the stream allows it (FFmpeg's CUDA
   hwaccel on the shared device; extra_hw_frames: output surfaces beyond the decoder's own, for the frames a graph
   holds at once), else in software. */
MG_API int mg_decoder_open_hw(const mg_codecpar *par, const char *codec_name, int threads, const char *options,
                              mg_cuda *cuda, int extra_hw_frames, mg_decoder **out);
/* Makes the graph's video inputs device frames on this CUDA device, entering as CUDA frames (AV_PIX_FMT_CUDA with a
   frames context of the input's sw format and size), so FFmpeg's CUDA filters take them; every filter also gets the
   device (hwupload_cuda). Call before mg_filter_graph_configure. Outputs are CUDA frames where the graph makes them
   (mg_frame_hw_to_device turns them into device frames). */
MG_API int mg_filter_graph_set_cuda(mg_filter_graph *g, mg_cuda *cuda);
/* 1 when the decoder's output is NVDEC's (CUDA frames), 0 when software (why: the reason, "" with NVDEC). */
MG_API int mg_decoder_hw_state(const mg_decoder *d, char *why, int why_size);

/* ---------- expressions (libavutil/eval: the syntax of filter options such as overlay's x and y) ---------- */

typedef struct mg_expr mg_expr;
/* Parses text over the variables named in names ("main_w\nW\nmain_h..." in the order their values will be given;
   at most 64). On failure the message quotes FFmpeg's reason and where it stopped ("Undefined constant or missing
   '(' in 'foo+1'"). Each handle keeps the expression's own state (st()/ld() variables, random()): one per user. */
MG_API int mg_expr_parse(const char *text, const char *names, mg_expr **out);
/* The value for the given variable values (as many as names had); NAN when e is NULL. */
MG_API double mg_expr_eval(mg_expr *e, const double *values);
MG_API void mg_expr_free(mg_expr **p);

/* ---------- the bare decode loop (bench.c): the baseline the graph's decode is measured against ---------- */

#define MG_DECODE_BENCH_SOFTWARE 0   /* libavcodec's software decoder */
#define MG_DECODE_BENCH_CUDA 1       /* NVDEC (CUDA hwaccel, output AV_PIX_FMT_CUDA); fails without a GPU */
#define MG_DECODE_BENCH_AUTO 2       /* NVDEC when a CUDA device opens and the stream takes it, else software */

typedef struct mg_decode_bench_result {
    int64_t frames;              /* frames decoded (each dropped at once) */
    int64_t cuda_frames;         /* of which CUDA frames (NVDEC's) */
    int64_t packets;             /* video packets sent */
    double open_seconds;         /* opening the file, reading its streams, the device and the decoder */
    double seconds;              /* the loop: first packet read to the decoder drained */
    double first_frame_seconds;  /* from the loop's start to the first frame */
    double last_frame_seconds;   /* from the loop's start to the last frame */
    int32_t hw;                  /* 1 when the frames were NVDEC's */
    int32_t width, height;       /* of the first frame */
    char why[256];               /* when CUDA was asked for and the frames were not: why */
} mg_decode_bench_result;

/* Opens url, decodes its best video stream with `mode` and drops every frame as it comes (no download, no copy):
   the frames and seconds a program that only decodes gets from this FFmpeg. With CUDA, on `cuda`'s device context
   when given (the graph's: the primary context the handle retains), else on device 0's primary context opened with
   AV_CUDA_USE_PRIMARY_CONTEXT. threads: decoder threads (0 = one per core). */
MG_API int mg_decode_bench(const char *url, int mode, mg_cuda *cuda, int threads, mg_decode_bench_result *out);

#ifdef __cplusplus
}
#endif
#endif
