/* encode.c — mg_encoder: AVCodecContext for encoding, with video conversion (libswscale) and audio
 * conversion / re-chunking (a small libavfilter graph: abuffer -> aresample -> aformat -> abuffersink).
 *
 * Flow control design
 * -------------------
 * avcodec_send_frame() may answer EAGAIN when the encoder wants its output read first. The encoder keeps
 * exactly one "staged" frame that is ready for the codec (converted, timestamps in ctx->time_base) but was
 * refused with EAGAIN. Audio frames that are converted and re-chunked but not yet handed to the codec stay
 * inside the audio filter graph's sink until they can be delivered, so nothing is ever dropped and no
 * unbounded queue is needed.
 *
 *  - mg_encoder_send(f) first tries to deliver what is pending (the staged frame, then, for audio, frames
 *    waiting in the sink). If the staged frame is still refused, it returns MG_AGAIN WITHOUT consuming f:
 *    the caller must receive packets and send the same frame again (the decoder's contract). Otherwise f is
 *    consumed (MG_OK), even if the codec itself refused it with EAGAIN: it then becomes the staged frame.
 *  - mg_encoder_send(NULL) records the flush request (and pushes EOF into the audio graph); the codec is
 *    flushed (avcodec_send_frame(NULL)) as soon as everything before it has been delivered.
 *  - mg_encoder_receive() first delivers what is pending, then calls avcodec_receive_packet(). It only
 *    returns MG_AGAIN when nothing is pending any more (or the codec refuses input and yields no output,
 *    which a conforming codec never does), and MG_EOF only after the codec was flushed and fully drained.
 *
 * With the usual loop   send(f); while (receive(pkt) == MG_OK) write(pkt);   send() never returns MG_AGAIN,
 * and   send(NULL); while (receive(pkt) != MG_EOF) write(pkt);   drains everything.
 */
#include "internal.h"

#include <string.h>

#include <libavutil/avstring.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/hwcontext.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>
#include <libswscale/swscale.h>

struct mg_encoder {
    AVCodecContext *ctx;
    const AVCodec *codec;
    /* video */
    struct SwsContext *sws;
    AVFrame *conv;            /* pooled converted frame (ctx size / pix_fmt) */
    /* audio */
    AVFilterGraph *afg;
    AVFilterContext *asrc, *asink;
    int sink_eof;             /* the audio sink returned EOF */
    int afg_format, afg_rate; /* what the audio graph was built for: a frame that differs rebuilds it */
    AVChannelLayout afg_layout;
    AVFrame *next_in;         /* the first frame of another format, rate or layout, waiting for the old graph to be
                                 emptied (valid when next_in_valid) */
    int next_in_valid;
    int64_t next_audio_pts;   /* in ctx->time_base */
    /* both */
    AVRational in_tb;         /* time base of frames sent (audio: 0/0 = 1/sample rate of the frames) */
    AVFrame *staged;          /* ready for the codec, refused with EAGAIN (valid when buf[0] != NULL) */
    int staged_valid;
    int flush_requested;      /* mg_encoder_send(NULL) was called */
    int flush_sent;           /* avcodec_send_frame(NULL) was accepted */
};

/* ---------- supported-configuration lists (the AVCodec fields are deprecated in newer libavcodec) ---------- */

static const enum AVPixelFormat *codec_pix_fmts(const AVCodec *c)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
    const void *cfg = NULL;
    int n = 0;
    if (avcodec_get_supported_config(NULL, c, AV_CODEC_CONFIG_PIX_FORMAT, 0, &cfg, &n) < 0)
        return NULL;
    return (const enum AVPixelFormat *)cfg;
#else
    return c->pix_fmts;
#endif
}

static const enum AVSampleFormat *codec_sample_fmts(const AVCodec *c)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
    const void *cfg = NULL;
    int n = 0;
    if (avcodec_get_supported_config(NULL, c, AV_CODEC_CONFIG_SAMPLE_FORMAT, 0, &cfg, &n) < 0)
        return NULL;
    return (const enum AVSampleFormat *)cfg;
#else
    return c->sample_fmts;
#endif
}

static const int *codec_sample_rates(const AVCodec *c)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
    const void *cfg = NULL;
    int n = 0;
    if (avcodec_get_supported_config(NULL, c, AV_CODEC_CONFIG_SAMPLE_RATE, 0, &cfg, &n) < 0)
        return NULL;
    return (const int *)cfg;
#else
    return c->supported_samplerates;
#endif
}

static const AVChannelLayout *codec_ch_layouts(const AVCodec *c)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
    const void *cfg = NULL;
    int n = 0;
    if (avcodec_get_supported_config(NULL, c, AV_CODEC_CONFIG_CHANNEL_LAYOUT, 0, &cfg, &n) < 0)
        return NULL;
    return (const AVChannelLayout *)cfg;
#else
    return c->ch_layouts;
#endif
}

static int pix_fmt_listed(const enum AVPixelFormat *list, int fmt)
{
    if (!list)
        return 1;
    for (; *list != AV_PIX_FMT_NONE; list++)
        if ((int)*list == fmt)
            return 1;
    return 0;
}

static int sample_fmt_listed(const enum AVSampleFormat *list, int fmt)
{
    if (!list)
        return 1;
    for (; *list != AV_SAMPLE_FMT_NONE; list++)
        if ((int)*list == fmt)
            return 1;
    return 0;
}

/* The pixel formats the ffmpeg CLI offers an encoder (fftools' get_compliance_normal_pix_fmts): at the default
   strictness MJPEG is offered only its full-range (yuvj) formats, because it refuses limited-range YUV unless
   strict is unofficial or lower. */
static const enum AVPixelFormat *compliance_pix_fmts(const AVCodec *c, const AVCodecContext *ctx,
                                                     const enum AVPixelFormat *fmts)
{
    static const enum AVPixelFormat mjpeg_formats[] = { AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P,
                                                        AV_PIX_FMT_NONE };
    if (ctx->strict_std_compliance > FF_COMPLIANCE_UNOFFICIAL && c->id == AV_CODEC_ID_MJPEG)
        return mjpeg_formats;
    return fmts;
}

/* libavfilter's pick_format rule over a whole list: the input's when listed, else the best of the list for the
   input (av_find_best_pix_fmt_of_2 in list order, alpha kept when the input has it). Pairwise picking depends on the
   list, and libavfilter picks only among the formats swscale can write, so negotiated_pix_fmt asks libavfilter
   itself; this is its fallback (hardware input). */
static int best_pix_fmt(const enum AVPixelFormat *fmts, int input)
{
    if (input < 0 || !av_pix_fmt_desc_get((enum AVPixelFormat)input))
        return fmts[0];
    if (pix_fmt_listed(fmts, input))
        return input;
    int has_alpha = av_pix_fmt_desc_get((enum AVPixelFormat)input)->nb_components % 2 == 0;
    enum AVPixelFormat best = AV_PIX_FMT_NONE;
    for (const enum AVPixelFormat *p = fmts; *p != AV_PIX_FMT_NONE; p++)
        best = av_find_best_pix_fmt_of_2(best, *p, (enum AVPixelFormat)input, has_alpha, NULL);
    return best != AV_PIX_FMT_NONE ? (int)best : (int)fmts[0];
}

static int valid_q(int num, int den)
{
    return num > 0 && den > 0;
}

/* The pixel format the ffmpeg CLI gives an encoder offered `fmts` for software input of format `input`: the input's
   when listed, else libavfilter's own choice (pick_format over the formats swscale can reach, as the CLI's filter graph
   ends in a format filter with the encoder's list and gets a scaler inserted), found on a throwaway
   buffer -> format -> buffersink graph. Hardware input, or a graph that cannot be built, falls back to best_pix_fmt. */
static int negotiated_pix_fmt(const enum AVPixelFormat *fmts, int input, int width, int height)
{
    const AVPixFmtDescriptor *desc = input >= 0 ? av_pix_fmt_desc_get((enum AVPixelFormat)input) : NULL;
    if (!desc || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL) || pix_fmt_listed(fmts, input))
        return best_pix_fmt(fmts, input);
    AVFilterGraph *g = avfilter_graph_alloc();
    AVFilterContext *src = NULL, *fmt = NULL, *sink = NULL;
    char args[2048];
    int result = -1;
    if (!g)
        return best_pix_fmt(fmts, input);
    g->nb_threads = 1;
    snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%s:time_base=1/25:pixel_aspect=1/1", width, height, desc->name);
    if (avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", args, NULL, g) < 0)
        goto done;
    args[0] = '\0';
    for (const enum AVPixelFormat *p = fmts; *p != AV_PIX_FMT_NONE; p++)
        av_strlcatf(args, sizeof(args), "%s%s", args[0] ? "|" : "pix_fmts=", av_get_pix_fmt_name(*p));
    if (avfilter_graph_create_filter(&fmt, avfilter_get_by_name("format"), "format", args, NULL, g) < 0 ||
        avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"), "out", NULL, NULL, g) < 0 ||
        avfilter_link(src, 0, fmt, 0) < 0 || avfilter_link(fmt, 0, sink, 0) < 0 || avfilter_graph_config(g, NULL) < 0)
        goto done;
    result = av_buffersink_get_format(sink);
done:
    avfilter_graph_free(&g);
    return result >= 0 ? result : best_pix_fmt(fmts, input);
}

static void layout_from(AVChannelLayout *out, int channels, uint64_t mask);

/* Appends "a|b|c" for a list to args as "key=a|b|c:" (nothing for an empty list). */
static void append_list(char *args, size_t size, const char *key, const char *items)
{
    if (items[0])
        av_strlcatf(args, size, "%s=%s:", key, items);
}

/* The sample format, rate and channel layout the ffmpeg CLI gives an encoder for this input: fftools offers the
   encoder's lists (or what the user set) to an aformat filter, and libavfilter's negotiation (avfiltergraph.c
   swap_sample_fmts, swap_samplerates, swap_channel_layouts) picks from them. The same negotiation runs here on a
   throwaway abuffer -> aformat -> abuffersink graph, so the choice is libavfilter's own: 44.1 kHz into libopus gives
   48 kHz, 5.1 into libmp3lame stereo, fltp into flac s32. want_fmt/want_rate/want_layout: set by the user (-1, 0,
   order UNSPEC with 0 channels when not). */
static int negotiate_audio(const AVCodec *codec, const mg_encoder_config *cfg, int want_fmt, int want_rate,
                           const AVChannelLayout *want_layout, int *out_fmt, int *out_rate, AVChannelLayout *out_layout)
{
    AVFilterGraph *g = avfilter_graph_alloc();
    AVFilterContext *src = NULL, *fmt = NULL, *sink = NULL;
    AVChannelLayout in = { 0 };
    char in_desc[128], item[128], list[2048], args[4096];
    int ret;

    if (!g)
        return mg_fail(AVERROR(ENOMEM), "encoder %s: format negotiation", codec->name);
    g->nb_threads = 1;
    layout_from(&in, cfg->input_channels, cfg->input_channel_mask);
    ret = av_channel_layout_describe(&in, in_desc, sizeof(in_desc));
    av_channel_layout_uninit(&in);
    if (ret < 0)
        goto done;
    snprintf(args, sizeof(args), "time_base=1/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s", cfg->input_sample_rate,
             cfg->input_sample_rate, av_get_sample_fmt_name((enum AVSampleFormat)cfg->input_sample_fmt), in_desc);
    ret = avfilter_graph_create_filter(&src, avfilter_get_by_name("abuffer"), "in", args, NULL, g);
    if (ret < 0)
        goto done;

    args[0] = '\0';
    list[0] = '\0';
    if (want_fmt >= 0)
        av_strlcpy(list, av_get_sample_fmt_name((enum AVSampleFormat)want_fmt), sizeof(list));
    else if (codec_sample_fmts(codec))
        for (const enum AVSampleFormat *p = codec_sample_fmts(codec); *p != AV_SAMPLE_FMT_NONE; p++)
            av_strlcatf(list, sizeof(list), "%s%s", list[0] ? "|" : "", av_get_sample_fmt_name(*p));
    append_list(args, sizeof(args), "sample_fmts", list);
    list[0] = '\0';
    if (want_rate > 0)
        snprintf(list, sizeof(list), "%d", want_rate);
    else if (codec_sample_rates(codec))
        for (const int *r = codec_sample_rates(codec); *r; r++)
            av_strlcatf(list, sizeof(list), "%s%d", list[0] ? "|" : "", *r);
    append_list(args, sizeof(args), "sample_rates", list);
    list[0] = '\0';
    if (want_layout && want_layout->nb_channels > 0) {
        if ((ret = av_channel_layout_describe(want_layout, list, sizeof(list))) < 0)
            goto done;
    } else if (codec_ch_layouts(codec)) {
        for (const AVChannelLayout *l = codec_ch_layouts(codec); l->nb_channels; l++)
            if (av_channel_layout_describe(l, item, sizeof(item)) >= 0)
                av_strlcatf(list, sizeof(list), "%s%s", list[0] ? "|" : "", item);
    }
    append_list(args, sizeof(args), "channel_layouts", list);
    if (args[0])
        args[strlen(args) - 1] = '\0';   /* the last ':' */
    ret = avfilter_graph_create_filter(&fmt, avfilter_get_by_name("aformat"), "format", args, NULL, g);
    if (ret < 0)
        goto done;
    ret = avfilter_graph_create_filter(&sink, avfilter_get_by_name("abuffersink"), "out", NULL, NULL, g);
    if (ret < 0)
        goto done;
    if ((ret = avfilter_link(src, 0, fmt, 0)) < 0 || (ret = avfilter_link(fmt, 0, sink, 0)) < 0)
        goto done;
    ret = avfilter_graph_config(g, NULL);
    if (ret < 0)
        goto done;
    *out_fmt = av_buffersink_get_format(sink);
    *out_rate = av_buffersink_get_sample_rate(sink);
    ret = av_buffersink_get_ch_layout(sink, out_layout);

done:
    avfilter_graph_free(&g);
    if (ret < 0)
        return mg_fail(ret, "encoder %s: negotiating the audio format for %s %d Hz %s (%s)", codec->name,
                       av_get_sample_fmt_name((enum AVSampleFormat)cfg->input_sample_fmt), cfg->input_sample_rate,
                       in_desc, args);
    return MG_OK;
}

static void layout_from(AVChannelLayout *out, int channels, uint64_t mask)
{
    av_channel_layout_uninit(out);
    if (mask && (!channels || av_popcount64(mask) == channels)) {
        if (av_channel_layout_from_mask(out, mask) == 0)
            return;
    }
    av_channel_layout_default(out, channels > 0 ? channels : 1);
}

/* ---------- lifetime ---------- */

static int is_full_range_yuvj(const AVPixFmtDescriptor *d)
{
    return d && !(d->flags & AV_PIX_FMT_FLAG_RGB) && !strncmp(d->name, "yuvj", 4);
}

/* As the ffmpeg CLI (init_output_stream_encode): the encoder describes its colours as the first frame does (range,
   matrix, primaries, transfer, chroma siting), so a bt709 or full-range input keeps its tags in the output. Where
   this encoder's own conversion changes what a tag describes, the converted pictures' value is used instead: RGB
   to YUV (or back) leaves the matrix unspecified and gives swscale's limited range, and the yuvj formats are full
   range by definition (into them: pc; out of them into plain YUV: tv). */
static void take_colors(AVCodecContext *ctx, const AVFrame *f)
{
    const AVPixFmtDescriptor *in = av_pix_fmt_desc_get((enum AVPixelFormat)f->format);
    const AVPixFmtDescriptor *out = av_pix_fmt_desc_get(ctx->pix_fmt);
    int in_rgb = in && (in->flags & AV_PIX_FMT_FLAG_RGB), out_rgb = out && (out->flags & AV_PIX_FMT_FLAG_RGB);
    ctx->color_primaries = f->color_primaries;
    ctx->color_trc = f->color_trc;
    ctx->chroma_sample_location = f->chroma_location;
    ctx->colorspace = in_rgb == out_rgb ? f->colorspace : AVCOL_SPC_UNSPECIFIED;
    if (is_full_range_yuvj(out))
        ctx->color_range = AVCOL_RANGE_JPEG;
    else if (out_rgb)
        ctx->color_range = in_rgb ? f->color_range : AVCOL_RANGE_UNSPECIFIED;
    else if (in_rgb || (is_full_range_yuvj(in) && !is_full_range_yuvj(out)))
        ctx->color_range = AVCOL_RANGE_MPEG;
    else
        ctx->color_range = f->color_range;
}

static void encoder_destroy(struct mg_encoder *e)
{
    if (!e)
        return;
    avcodec_free_context(&e->ctx);
    sws_freeContext(e->sws);
    av_frame_free(&e->conv);
    avfilter_graph_free(&e->afg);
    av_channel_layout_uninit(&e->afg_layout);
    av_frame_free(&e->next_in);
    av_frame_free(&e->staged);
    av_free(e);
}

MG_API int mg_encoder_open(const mg_encoder_config *cfg, mg_encoder **out)
{
    mg_log_capture_begin();
    struct mg_encoder *e = NULL;
    AVDictionary *opts = NULL;
    char component[160];
    int ret;

    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_open: out is NULL");
    *out = NULL;
    if (!cfg || !cfg->codec)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_open: no codec name");

    const AVCodec *codec = avcodec_find_encoder_by_name(cfg->codec);
    if (!codec)
        return mg_fail_msg(AVERROR_ENCODER_NOT_FOUND, "unknown encoder '%s'", cfg->codec);
    if (codec->type != AVMEDIA_TYPE_VIDEO && codec->type != AVMEDIA_TYPE_AUDIO)
        return mg_fail_msg(AVERROR(ENOSYS), "encoder %s: only audio and video encoders are supported", cfg->codec);

    e = av_mallocz(sizeof(*e));
    if (!e)
        return mg_fail(AVERROR(ENOMEM), "mg_encoder_open");
    e->codec = codec;
    e->next_audio_pts = 0;
    e->staged = av_frame_alloc();
    e->ctx = avcodec_alloc_context3(codec);
    if (!e->staged || !e->ctx) {
        ret = mg_fail(AVERROR(ENOMEM), "mg_encoder_open");
        goto fail;
    }
    AVCodecContext *ctx = e->ctx;

    ret = mg_parse_options(cfg->options, &opts);
    if (ret < 0)
        goto fail;
    /* As fftools: a strictness given as a codec option counts when the pixel format is chosen. */
    const AVDictionaryEntry *strict = av_dict_get(opts, "strict", NULL, 0);
    if (strict && (ret = av_opt_set(ctx, "strict", strict->value, 0)) < 0) {
        ret = mg_fail(ret, "encoder %s: option strict=%s", cfg->codec, strict->value);
        goto fail;
    }

    if (codec->type == AVMEDIA_TYPE_VIDEO) {
        const enum AVPixelFormat *fmts = codec_pix_fmts(codec);
        int pix_fmt;
        if (cfg->width <= 0 || cfg->height <= 0) {
            ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: invalid size %dx%d", cfg->codec, cfg->width, cfg->height);
            goto fail;
        }
        if (cfg->cuda) {
            /* Device frames in (NVENC): CUDA frames whose sw_format is the input's, on the shared device. */
            if (!pix_fmt_listed(fmts, AV_PIX_FMT_CUDA)) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s does not take CUDA frames (only NVENC encoders do)",
                                  cfg->codec);
                goto fail;
            }
            AVBufferRef *frames;
            ret = mg_cuda_frames(cfg->cuda, cfg->input_pix_fmt, cfg->width, cfg->height, &frames);
            if (ret < 0)
                goto fail;
            ctx->hw_frames_ctx = av_buffer_ref(frames);
            if (!ctx->hw_frames_ctx) {
                ret = mg_fail(AVERROR(ENOMEM), "encoder %s", cfg->codec);
                goto fail;
            }
            pix_fmt = AV_PIX_FMT_CUDA;
        } else if (cfg->pix_fmt >= 0) {
            const char *name = av_get_pix_fmt_name((enum AVPixelFormat)cfg->pix_fmt);
            if (!name) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: unknown pixel format %d", cfg->codec, cfg->pix_fmt);
                goto fail;
            }
            if (!pix_fmt_listed(fmts, cfg->pix_fmt)) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s does not support pixel format '%s'", cfg->codec, name);
                goto fail;
            }
            pix_fmt = cfg->pix_fmt;
        } else if (fmts) {
            pix_fmt = negotiated_pix_fmt(compliance_pix_fmts(codec, ctx, fmts), cfg->input_pix_fmt, cfg->width, cfg->height);
        } else if (cfg->input_pix_fmt >= 0 && av_get_pix_fmt_name((enum AVPixelFormat)cfg->input_pix_fmt)) {
            pix_fmt = cfg->input_pix_fmt;   /* the encoder lists no formats: it takes any, the input's included */
        } else {
            ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: no pixel format given", cfg->codec);
            goto fail;
        }
        ctx->width = cfg->width;
        ctx->height = cfg->height;
        ctx->pix_fmt = (enum AVPixelFormat)pix_fmt;
        if (valid_q(cfg->tb_num, cfg->tb_den))
            ctx->time_base = av_make_q(cfg->tb_num, cfg->tb_den);
        else if (valid_q(cfg->fr_num, cfg->fr_den))
            ctx->time_base = av_inv_q(av_make_q(cfg->fr_num, cfg->fr_den));
        else {
            ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: neither a time base nor a frame rate was given", cfg->codec);
            goto fail;
        }
        if (valid_q(cfg->fr_num, cfg->fr_den))
            ctx->framerate = av_make_q(cfg->fr_num, cfg->fr_den);
        if (valid_q(cfg->sar_num, cfg->sar_den))
            ctx->sample_aspect_ratio = av_make_q(cfg->sar_num, cfg->sar_den);
        if (cfg->color_frame)
            take_colors(ctx, (const AVFrame *)cfg->color_frame);
        if (cfg->field_order > 0)
            ctx->field_order = (enum AVFieldOrder)cfg->field_order;
        if (cfg->gop > 0)
            ctx->gop_size = cfg->gop;
        if (cfg->max_b_frames >= 0)
            ctx->max_b_frames = cfg->max_b_frames;
        e->in_tb = ctx->time_base;
    } else {
        const enum AVSampleFormat *fmts = codec_sample_fmts(codec);
        int rate = cfg->sample_rate;
        int sfmt = -1;
        if (cfg->sample_fmt >= 0) {
            const char *name = av_get_sample_fmt_name((enum AVSampleFormat)cfg->sample_fmt);
            if (!name) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: unknown sample format %d", cfg->codec, cfg->sample_fmt);
                goto fail;
            }
            if (!sample_fmt_listed(fmts, cfg->sample_fmt)) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s does not support sample format '%s'", cfg->codec, name);
                goto fail;
            }
            sfmt = cfg->sample_fmt;
        }
        AVChannelLayout want = { 0 };
        if (cfg->channels > 0 || cfg->channel_mask)
            layout_from(&want, cfg->channels, cfg->channel_mask);
        if (cfg->input_sample_fmt >= 0 && av_get_sample_fmt_name((enum AVSampleFormat)cfg->input_sample_fmt) &&
            cfg->input_sample_rate > 0 && (cfg->input_channels > 0 || cfg->input_channel_mask)) {
            /* The input is known: negotiate what is not set as the CLI's filter graph does. */
            ret = negotiate_audio(codec, cfg, sfmt, rate, &want, &sfmt, &rate, &ctx->ch_layout);
            av_channel_layout_uninit(&want);
            if (ret < 0)
                goto fail;
        } else {
            if (sfmt < 0 && fmts)
                sfmt = fmts[0];
            if (want.nb_channels > 0)
                ret = av_channel_layout_copy(&ctx->ch_layout, &want);
            av_channel_layout_uninit(&want);
            if (sfmt < 0 || rate <= 0 || ctx->ch_layout.nb_channels <= 0) {
                ret = mg_fail_msg(AVERROR(EINVAL), "encoder %s: no input format, and no %s given", cfg->codec,
                                  sfmt < 0 ? "sample format" : rate <= 0 ? "sample rate" : "channel count");
                goto fail;
            }
        }
        ctx->sample_rate = rate;
        ctx->sample_fmt = (enum AVSampleFormat)sfmt;
        ctx->time_base = av_make_q(1, rate);
        e->in_tb = valid_q(cfg->tb_num, cfg->tb_den) ? av_make_q(cfg->tb_num, cfg->tb_den) : av_make_q(0, 0);
    }
    if (cfg->bit_rate > 0)
        ctx->bit_rate = cfg->bit_rate;
    ctx->thread_count = cfg->threads > 0 ? cfg->threads : 0;
    if (cfg->global_header)
        ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    ret = avcodec_open2(ctx, codec, &opts);
    if (ret < 0) {
        ret = mg_fail(ret, "avcodec_open2(encoder %s)", cfg->codec);
        goto fail;
    }
    snprintf(component, sizeof(component), "encoder %s", cfg->codec);
    ret = mg_check_unused_options(opts, component);
    if (ret < 0)
        goto fail;
    av_dict_free(&opts);

    mg_handle_created();
    *out = e;
    return MG_OK;

fail:
    av_dict_free(&opts);
    encoder_destroy(e);
    return ret;
}

MG_API void mg_encoder_free(mg_encoder **p)
{
    if (!p || !*p)
        return;
    encoder_destroy(*p);
    *p = NULL;
    mg_handle_destroyed();
}

MG_API int mg_encoder_set_log(mg_encoder *e, mg_log_sink *sink)
{
    return e ? mg_log_bind_codec(e->ctx, sink) : MG_OK;
}

/* ---------- audio graph (built on the first frame, from that frame's properties) ---------- */

static int build_audio_graph(struct mg_encoder *e, const AVFrame *f)
{
    AVCodecContext *ctx = e->ctx;
    AVChannelLayout in_layout = { 0 };
    char in_desc[128], out_desc[128], args[512];
    AVFilterContext *resample = NULL, *format = NULL;
    int ret;

    if (f->ch_layout.nb_channels > 0 && f->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC)
        ret = av_channel_layout_copy(&in_layout, &f->ch_layout);
    else {
        av_channel_layout_default(&in_layout, f->ch_layout.nb_channels > 0 ? f->ch_layout.nb_channels : 1);
        ret = 0;
    }
    if (ret < 0)
        return mg_fail(ret, "encoder %s: input channel layout", e->codec->name);
    ret = av_channel_layout_describe(&in_layout, in_desc, sizeof(in_desc));
    av_channel_layout_uninit(&in_layout);
    if (ret < 0)
        return mg_fail(ret, "encoder %s: input channel layout", e->codec->name);
    if (ctx->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
        AVChannelLayout def = { 0 };
        av_channel_layout_default(&def, ctx->ch_layout.nb_channels);
        ret = av_channel_layout_describe(&def, out_desc, sizeof(out_desc));
        av_channel_layout_uninit(&def);
    } else {
        ret = av_channel_layout_describe(&ctx->ch_layout, out_desc, sizeof(out_desc));
    }
    if (ret < 0)
        return mg_fail(ret, "encoder %s: output channel layout", e->codec->name);

    if (!valid_q(e->in_tb.num, e->in_tb.den))
        e->in_tb = av_make_q(1, f->sample_rate);

    e->afg = avfilter_graph_alloc();
    if (!e->afg)
        return mg_fail(AVERROR(ENOMEM), "encoder %s: audio graph", e->codec->name);
    e->afg->nb_threads = 1;

    snprintf(args, sizeof(args), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
             e->in_tb.num, e->in_tb.den, f->sample_rate,
             av_get_sample_fmt_name((enum AVSampleFormat)f->format), in_desc);
    ret = avfilter_graph_create_filter(&e->asrc, avfilter_get_by_name("abuffer"), "in", args, NULL, e->afg);
    if (ret < 0)
        goto fail;
    snprintf(args, sizeof(args), "out_sample_rate=%d", ctx->sample_rate);
    ret = avfilter_graph_create_filter(&resample, avfilter_get_by_name("aresample"), "resample", args, NULL, e->afg);
    if (ret < 0)
        goto fail;
    snprintf(args, sizeof(args), "sample_fmts=%s:sample_rates=%d:channel_layouts=%s",
             av_get_sample_fmt_name(ctx->sample_fmt), ctx->sample_rate, out_desc);
    ret = avfilter_graph_create_filter(&format, avfilter_get_by_name("aformat"), "format", args, NULL, e->afg);
    if (ret < 0)
        goto fail;
    ret = avfilter_graph_create_filter(&e->asink, avfilter_get_by_name("abuffersink"), "out", NULL, NULL, e->afg);
    if (ret < 0)
        goto fail;
    if ((ret = avfilter_link(e->asrc, 0, resample, 0)) < 0 ||
        (ret = avfilter_link(resample, 0, format, 0)) < 0 ||
        (ret = avfilter_link(format, 0, e->asink, 0)) < 0)
        goto fail;
    ret = avfilter_graph_config(e->afg, NULL);
    if (ret < 0)
        goto fail;
    if (ctx->frame_size > 0 && !(e->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE))
        av_buffersink_set_frame_size(e->asink, (unsigned)ctx->frame_size);
    e->afg_format = f->format;
    e->afg_rate = f->sample_rate;
    av_channel_layout_uninit(&e->afg_layout);
    av_channel_layout_copy(&e->afg_layout, &f->ch_layout);
    return 0;

fail:
    avfilter_graph_free(&e->afg);
    e->asrc = e->asink = NULL;
    return mg_fail(ret, "encoder %s: audio conversion (%s %d Hz %s -> %s %d Hz %s)", e->codec->name,
                   av_get_sample_fmt_name((enum AVSampleFormat)f->format), f->sample_rate, in_desc,
                   av_get_sample_fmt_name(ctx->sample_fmt), ctx->sample_rate, out_desc);
}

/* True when f's sample format, rate or channel layout differs from what the audio graph was built for: damaged
   input (a corrupted AC-3 header) or a spliced stream changes them mid-stream. */
static int audio_input_changed(const struct mg_encoder *e, const AVFrame *f)
{
    return f->format != e->afg_format || f->sample_rate != e->afg_rate
        || av_channel_layout_compare(&f->ch_layout, &e->afg_layout) != 0;
}

/* Replaces the audio graph by one built for the waiting frame of the new kind. As the ffmpeg CLI's reconfiguration
   (ifilter_send_frame -> reap_filters -> configure_filtergraph), the old graph is emptied of the whole frames it
   holds first; what it keeps below one encoder frame is dropped rather than handed over as a short frame, which a
   fixed-frame-size encoder accepts only as the last. The encoder itself stays as it was opened. */
static int switch_audio_graph(struct mg_encoder *e)
{
    avfilter_graph_free(&e->afg);
    e->asrc = e->asink = NULL;
    e->sink_eof = 0;
    int ret = build_audio_graph(e, e->next_in);
    if (ret >= 0) {
        ret = av_buffersrc_add_frame_flags(e->asrc, e->next_in, 0);   /* takes the reference */
        if (ret < 0)
            ret = mg_fail(ret, "encoder %s: audio conversion", e->codec->name);
    }
    av_frame_unref(e->next_in);
    e->next_in_valid = 0;
    return ret;
}

/* ---------- delivery to the codec ---------- */

/* Hands pending frames (staged, then audio frames from the sink) and a pending flush to the codec until it
   refuses one (EAGAIN) or nothing is left. *progress is set when anything was accepted. */
static int deliver(struct mg_encoder *e, int *progress)
{
    AVCodecContext *ctx = e->ctx;
    int ret;

    for (;;) {
        if (!e->staged_valid) {
            if (!e->asink || e->sink_eof)
                break;
            ret = av_buffersink_get_frame(e->asink, e->staged);
            if (ret == AVERROR(EAGAIN) && e->next_in_valid) {
                /* The old graph holds no whole frame any more: go on with the new input. */
                ret = switch_audio_graph(e);
                if (ret < 0)
                    return ret;
                continue;
            }
            if (ret == AVERROR(EAGAIN))
                break;
            if (ret == AVERROR_EOF) {
                e->sink_eof = 1;
                break;
            }
            if (ret < 0)
                return mg_fail(ret, "encoder %s: audio conversion", e->codec->name);
            AVRational stb = av_buffersink_get_time_base(e->asink);
            if (e->staged->pts != AV_NOPTS_VALUE)
                e->staged->pts = av_rescale_q(e->staged->pts, stb, ctx->time_base);
            else
                e->staged->pts = e->next_audio_pts;
            if (e->staged->pts != AV_NOPTS_VALUE)
                e->next_audio_pts = e->staged->pts +
                                    av_rescale_q(e->staged->nb_samples, av_make_q(1, ctx->sample_rate), ctx->time_base);
            mg_frame_set_duration(e->staged,
                                  av_rescale_q(e->staged->nb_samples, av_make_q(1, ctx->sample_rate), ctx->time_base));
            e->staged_valid = 1;
        }
        ret = avcodec_send_frame(ctx, e->staged);
        if (ret == AVERROR(EAGAIN))
            return 0;
        av_frame_unref(e->staged);
        e->staged_valid = 0;
        if (ret < 0)
            return mg_fail(ret, "avcodec_send_frame(encoder %s)", e->codec->name);
        if (progress)
            *progress = 1;
    }

    if (e->flush_requested && !e->flush_sent && !e->staged_valid && (!e->asink || e->sink_eof)) {
        ret = avcodec_send_frame(ctx, NULL);
        if (ret == AVERROR(EAGAIN))
            return 0;
        if (ret < 0 && ret != AVERROR_EOF)
            return mg_fail(ret, "avcodec_send_frame(encoder %s, flush)", e->codec->name);
        e->flush_sent = 1;
        if (progress)
            *progress = 1;
    }
    return 0;
}

static int pending(const struct mg_encoder *e)
{
    return e->staged_valid || e->next_in_valid || (e->flush_requested && !e->flush_sent);
}

/* Prepares the staged frame from a video frame: conversion when needed, pts in ctx->time_base. */
static int stage_video(struct mg_encoder *e, const AVFrame *f)
{
    AVCodecContext *ctx = e->ctx;
    int ret;

    if (f->width <= 0 || f->height <= 0 || f->format < 0)
        return mg_fail_msg(AVERROR(EINVAL), "encoder %s: not a video frame", e->codec->name);

    /* No hidden transfers: every host<->device copy is a counted node of the graph. */
    int hw_in = f->format == AV_PIX_FMT_CUDA || f->hw_frames_ctx != NULL;
    if (hw_in != (ctx->pix_fmt == AV_PIX_FMT_CUDA)) {
        if (hw_in)
            return mg_fail_msg(AVERROR(EINVAL), "encoder %s encodes from host memory and was sent a CUDA frame: "
                               "download it first (a counted Download node)", e->codec->name);
        return mg_fail_msg(AVERROR(EINVAL), "encoder %s was opened for CUDA frames and was sent a host frame",
                           e->codec->name);
    }
    if (hw_in) {
        const AVHWFramesContext *fc = (const AVHWFramesContext *)f->hw_frames_ctx->data;
        const AVHWFramesContext *want = (const AVHWFramesContext *)ctx->hw_frames_ctx->data;
        if (f->width != ctx->width || f->height != ctx->height || fc->sw_format != want->sw_format)
            return mg_fail_msg(AVERROR(EINVAL), "encoder %s: CUDA frame of %dx%d %s, but the encoder was opened for "
                               "%dx%d %s (scale or convert on the device first)", e->codec->name, f->width, f->height,
                               av_get_pix_fmt_name(fc->sw_format), ctx->width, ctx->height,
                               av_get_pix_fmt_name(want->sw_format));
    }

    if (!hw_in && (f->width != ctx->width || f->height != ctx->height || f->format != ctx->pix_fmt)) {
        e->sws = sws_getCachedContext(e->sws, f->width, f->height, (enum AVPixelFormat)f->format,
                                      ctx->width, ctx->height, ctx->pix_fmt, SWS_BICUBIC, NULL, NULL, NULL);
        if (!e->sws)
            return mg_fail_msg(AVERROR(EINVAL), "encoder %s: cannot convert %dx%d %s to %dx%d %s", e->codec->name,
                           f->width, f->height, av_get_pix_fmt_name((enum AVPixelFormat)f->format),
                           ctx->width, ctx->height, av_get_pix_fmt_name(ctx->pix_fmt));
        if (!e->conv) {
            e->conv = av_frame_alloc();
            if (!e->conv)
                return mg_fail(AVERROR(ENOMEM), "encoder %s", e->codec->name);
            e->conv->width = ctx->width;
            e->conv->height = ctx->height;
            e->conv->format = ctx->pix_fmt;
            ret = av_frame_get_buffer(e->conv, 0);
            if (ret < 0) {
                av_frame_free(&e->conv);
                return mg_fail(ret, "encoder %s: allocating a conversion frame", e->codec->name);
            }
        }
        ret = av_frame_make_writable(e->conv);
        if (ret < 0)
            return mg_fail(ret, "encoder %s: allocating a conversion frame", e->codec->name);
        ret = sws_scale(e->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
                        e->conv->data, e->conv->linesize);
        if (ret < 0)
            return mg_fail(ret, "encoder %s: sws_scale", e->codec->name);
        ret = av_frame_copy_props(e->conv, f);
        if (ret < 0)
            return mg_fail(ret, "encoder %s", e->codec->name);
        f = e->conv;
    }

    ret = av_frame_ref(e->staged, f);
    if (ret < 0)
        return mg_fail(ret, "encoder %s", e->codec->name);
    if (e->staged->pts != AV_NOPTS_VALUE)
        e->staged->pts = av_rescale_q(e->staged->pts, e->in_tb, ctx->time_base);
    int64_t d = mg_frame_duration(e->staged);
    if (d > 0)
        mg_frame_set_duration(e->staged, av_rescale_q(d, e->in_tb, ctx->time_base));
    e->staged->pict_type = AV_PICTURE_TYPE_NONE;
    e->staged_valid = 1;
    return 0;
}

/* timing: NULL, or the pts and duration (in config tb) a video frame is encoded with instead of its own. */
static int send_frame(mg_encoder *e, const AVFrame *f, const int64_t *timing)
{
    int ret;

    if (!e)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_send: encoder is NULL");
    if (e->flush_requested) {
        if (!f)
            return MG_OK;
        return mg_fail(AVERROR_EOF, "encoder %s: frame sent after flush", e->codec->name);
    }

    /* Hand over what is pending first; refuse new input while a frame is still waiting. */
    ret = deliver(e, NULL);
    if (ret < 0)
        return ret;
    if (e->staged_valid || e->next_in_valid)
        return MG_AGAIN;

    if (!f) {
        e->flush_requested = 1;
        if (e->asrc) {
            ret = av_buffersrc_add_frame_flags(e->asrc, NULL, 0);
            if (ret < 0)
                return mg_fail(ret, "encoder %s: flushing audio conversion", e->codec->name);
        }
        return deliver(e, NULL);
    }

    if (e->ctx->codec_type == AVMEDIA_TYPE_VIDEO) {
        ret = stage_video(e, f);
        if (ret < 0)
            return ret;
        if (timing) {
            e->staged->pts = timing[0] == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(timing[0], e->in_tb, e->ctx->time_base);
            mg_frame_set_duration(e->staged, timing[1] > 0 ? av_rescale_q(timing[1], e->in_tb, e->ctx->time_base) : 0);
        }
    } else {
        if (f->nb_samples <= 0 || f->sample_rate <= 0 || f->format < 0)
            return mg_fail_msg(AVERROR(EINVAL), "encoder %s: not an audio frame", e->codec->name);
        if (!e->afg) {
            ret = build_audio_graph(e, f);
            if (ret < 0)
                return ret;
        }
        if (audio_input_changed(e, f)) {
            /* Kept until the old graph's whole frames reached the codec (deliver switches graphs then). */
            if (!e->next_in && !(e->next_in = av_frame_alloc()))
                return mg_fail(AVERROR(ENOMEM), "encoder %s: audio conversion", e->codec->name);
            ret = av_frame_ref(e->next_in, f);
            if (ret < 0)
                return mg_fail(ret, "encoder %s: audio conversion", e->codec->name);
            e->next_in_valid = 1;
        } else {
            ret = av_buffersrc_add_frame_flags(e->asrc, (AVFrame *)f, AV_BUFFERSRC_FLAG_KEEP_REF);
            if (ret < 0)
                return mg_fail(ret, "encoder %s: audio conversion", e->codec->name);
        }
    }
    ret = deliver(e, NULL);
    return ret < 0 ? ret : MG_OK;
}

MG_API int mg_encoder_send(mg_encoder *e, const mg_frame *frame)
{
    return send_frame(e, (const AVFrame *)frame, NULL);
}

MG_API int mg_encoder_send_at(mg_encoder *e, const mg_frame *frame, int64_t pts, int64_t duration)
{
    if (!frame)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_send_at: no frame (flush with mg_encoder_send)");
    if (e && e->ctx->codec_type != AVMEDIA_TYPE_VIDEO)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_send_at: encoder %s is not a video encoder", e->codec->name);
    const int64_t timing[2] = { pts, duration };
    return send_frame(e, (const AVFrame *)frame, timing);
}

MG_API int mg_encoder_receive(mg_encoder *e, mg_packet *pkt, mg_packet_info *info)
{
    AVPacket *p = MG_PKT(pkt);
    int ret;

    if (!e || !p)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_receive: NULL argument");
    av_packet_unref(p);
    for (int rounds = 0;; rounds++) {
        int progress = 0;
        ret = deliver(e, &progress);
        if (ret < 0)
            return ret;
        ret = avcodec_receive_packet(e->ctx, p);
        if (ret == AVERROR(EAGAIN)) {
            /* The codec consumed its buffered input without output: retry while delivering makes progress. */
            if (pending(e) && (progress || rounds == 0))
                continue;
            return MG_AGAIN;
        }
        break;
    }
    if (ret == AVERROR_EOF)
        return MG_EOF;
    if (ret < 0)
        return mg_fail(ret, "avcodec_receive_packet(encoder %s)", e->codec->name);
    p->time_base = e->ctx->time_base;
    if (info) {
        memset(info, 0, sizeof(*info));
        info->pts = p->pts;
        info->dts = p->dts;
        info->duration = p->duration;
        info->pos = -1;
        info->data = p->data;
        info->size = p->size;
        info->stream_index = p->stream_index;
        info->flags = p->flags;
    }
    return MG_OK;
}

MG_API void mg_encoder_time_base(const mg_encoder *e, int *num, int *den)
{
    AVRational tb = e && e->ctx ? e->ctx->time_base : av_make_q(0, 1);
    if (num)
        *num = tb.num;
    if (den)
        *den = tb.den;
}

MG_API int mg_encoder_codecpar(const mg_encoder *e, mg_codecpar **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_codecpar: out is NULL");
    *out = NULL;
    if (!e)
        return mg_fail_msg(AVERROR(EINVAL), "mg_encoder_codecpar: encoder is NULL");
    AVCodecParameters *par = avcodec_parameters_alloc();
    if (!par)
        return mg_fail(AVERROR(ENOMEM), "mg_encoder_codecpar");
    int ret = avcodec_parameters_from_context(par, e->ctx);
    if (ret < 0) {
        avcodec_parameters_free(&par);
        return mg_fail(ret, "avcodec_parameters_from_context(encoder %s)", e->codec->name);
    }
    AVRational fr = e->ctx->codec_type == AVMEDIA_TYPE_VIDEO ? e->ctx->framerate : av_make_q(0, 1);
    ret = mg_codecpar_create(par, e->ctx->time_base, fr, out);
    avcodec_parameters_free(&par);
    return ret;
}
