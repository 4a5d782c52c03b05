/* internal.h — shared by the shim's .c files; never installed. */
#ifndef MEDIAGRAPH_INTERNAL_H
#define MEDIAGRAPH_INTERNAL_H

#include "mediagraph.h"
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavfilter/avfilter.h>
#include <libavutil/avutil.h>

/* AVCodecParameters plus the time base and frame rate its timestamps use. */
struct mg_codecpar {
    AVCodecParameters *par;
    AVRational time_base;
    AVRational frame_rate;
    AVRational guessed_frame_rate;   /* av_guess_frame_rate for a demuxed stream, else frame_rate */
    int has_display_matrix;          /* the stream's display matrix (rotation), carried to muxers on stream copy */
    int32_t display_matrix[9];
};

/* The display matrix of a demuxed stream, if it has one (FFmpeg 5.1: stream side data; 6.1+: coded side data). */
const int32_t *mg_stream_display_matrix(const AVStream *st);
/* Clockwise degrees in [0, 360) a display matrix asks the picture to turn, as the ffmpeg CLI computes it. */
double mg_display_matrix_rotation(const int32_t *matrix);

/* mg_packet and mg_frame are AVPacket and AVFrame. */
#define MG_PKT(p) ((AVPacket *)(p))
#define MG_FRM(f) ((AVFrame *)(f))

/* Live handle counter (atomic). */
void mg_handle_created(void);
void mg_handle_destroyed(void);

/* Sets the thread-local message to "<what>: <FFmpeg error text>" and returns code (negative). */
int mg_fail(int code, const char *what_fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forgets FFmpeg's last logged error line on this thread: call when an operation whose failure it may explain begins. */
void mg_log_capture_begin(void);
/* Clears the thread-local message. */
void mg_clear_error(void);

/* Parses "k=v\nk=v" into *dict (NULL/"" leaves it empty). */
int mg_parse_options(const char *options, AVDictionary **dict);
/* Fails with a message naming the first entry left in dict (an option nobody used), else MG_OK. */
int mg_check_unused_options(AVDictionary *dict, const char *component);

/* Creates a codecpar handle from an AVCodecParameters (copied). */
int mg_codecpar_create(const AVCodecParameters *src, AVRational tb, AVRational fr, mg_codecpar **out);
/* Fills an mg_stream_info from codec parameters. */
void mg_fill_stream_info(mg_stream_info *out, const AVCodecParameters *par, AVRational tb, AVRational fr);

/* ---- appended by the util/frame/demux/decode helper ---- */
/* Like mg_fail, but the message is exactly the formatted text (no FFmpeg error text appended). Returns code. */
int mg_fail_msg(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frame duration in the frame's time base (pkt_duration in libavutil 57, duration in 58+); 0 unknown. */
int64_t mg_frame_duration(const AVFrame *f);
void mg_frame_set_duration(AVFrame *f, int64_t duration);


/* ---- log routing (log.c) ---- */
/* Routes the log lines of a context (and of the contexts FFmpeg derives from it) to sink; sink NULL unbinds. A codec
   or format context's opaque becomes the key when it has none (see log.c). */
int mg_log_bind_codec(AVCodecContext *c, mg_log_sink *sink);
int mg_log_bind_format(AVFormatContext *s, mg_log_sink *sink);
int mg_log_bind_key(const void *key, mg_log_sink *sink);
/* An error line of a context no sink owns, logged on this thread: kept for mg_fail's reason. */
void mg_log_note_unowned_error(const char *text);


/* ---- CUDA (hw.c) ---- */
/* The AVHWDeviceContext (CUDA) over the shared primary context; owned by the handle. */
AVBufferRef *mg_cuda_hw_device(mg_cuda *c);
/* The CUDA frames context for sw_format at width x height on the handle's device (cached; owned by the handle). */
int mg_cuda_frames(mg_cuda *c, int sw_format, int width, int height, AVBufferRef **out);

/* 1 when the codec can decode into CUDA frames from a device context (an NVDEC hwaccel), else 0 (decode.c). */
int mg_codec_has_nvdec(const AVCodec *codec);

#endif
