/* decode.c — decoders (libavcodec send/receive API). */
#include "internal.h"

#include <stdio.h>
#include <libavutil/pixdesc.h>

struct mg_decoder {
    AVCodecContext *ctx;
    int hw_requested;        /* opened with a CUDA device: NVDEC when the stream allows it */
    int hw_chose_cuda;       /* get_format picked AV_PIX_FMT_CUDA at least once */
    int hw_active;           /* the current output format is AV_PIX_FMT_CUDA */
    char hw_reason[256];     /* why decoding is in software, when hw_requested and not hw_active */
};

/* FFmpeg asks which output format to use (at the first frame and when the stream's parameters change). CUDA when
   offered; else the software format, remembering why. When NVDEC's setup for CUDA fails (profile, size, bit depth the
   GPU does not take; no free decoder session), FFmpeg asks again without CUDA in the list. */
static enum AVPixelFormat get_format(AVCodecContext *ctx, const enum AVPixelFormat *fmts)
{
    mg_decoder *d = ctx->opaque;
    const enum AVPixelFormat *p;
    for (p = fmts; *p != AV_PIX_FMT_NONE; p++) {
        if (*p == AV_PIX_FMT_CUDA) {
            d->hw_chose_cuda = 1;
            d->hw_active = 1;
            d->hw_reason[0] = 0;
            return AV_PIX_FMT_CUDA;
        }
    }
    d->hw_active = 0;
    snprintf(d->hw_reason, sizeof d->hw_reason, "%s",
             d->hw_chose_cuda ? "NVDEC could not be set up for this stream: the GPU's decoder does not take its profile, "
                                "size or bit depth, or has no free session (FFmpeg's reason is in the decoder's log)"
                              : "FFmpeg's decoder offers no CUDA output for this stream's profile or pixel format");
    for (p = fmts; *p != AV_PIX_FMT_NONE; p++) {
        const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(*p);
        if (desc && !(desc->flags & AV_PIX_FMT_FLAG_HWACCEL))
            return *p;
    }
    return AV_PIX_FMT_NONE;
}

/* 1 when the codec can decode into CUDA frames from a device context (an NVDEC hwaccel), else 0 (internal.h). */
int mg_codec_has_nvdec(const AVCodec *codec)
{
    for (int i = 0;; i++) {
        const AVCodecHWConfig *config = avcodec_get_hw_config(codec, i);
        if (!config)
            return 0;
        if (config->device_type == AV_HWDEVICE_TYPE_CUDA && config->pix_fmt == AV_PIX_FMT_CUDA &&
            (config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX))
            return 1;
    }
}

int mg_decoder_open(const mg_codecpar *par, const char *codec_name, int threads, const char *options,
                    mg_decoder **out)
{
    return mg_decoder_open_hw(par, codec_name, threads, options, NULL, 0, out);
}

int mg_decoder_open_hw(const mg_codecpar *par, const char *codec_name, int threads, const char *options, mg_cuda *cuda,
                       int extra_hw_frames, mg_decoder **out)
{
    mg_log_capture_begin();
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_open: no output pointer");
    *out = NULL;
    if (!par || !par->par)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_open: no codec parameters");
    if (threads < 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_open: invalid thread count %d", threads);

    const AVCodec *codec;
    enum AVCodecID id = par->par->codec_id;
    if (codec_name && *codec_name) {
        codec = avcodec_find_decoder_by_name(codec_name);
        if (!codec)
            return mg_fail_msg(AVERROR_DECODER_NOT_FOUND, "unknown decoder '%s' (run `ffmpeg -decoders` for the list)",
                               codec_name);
        /* avcodec_open2 would only say "Invalid argument" for this. */
        if (id != AV_CODEC_ID_NONE && codec->id != id)
            return mg_fail_msg(AVERROR(EINVAL), "decoder '%s' cannot decode '%s'", codec_name, avcodec_get_name(id));
    } else {
        codec = avcodec_find_decoder(id);
        if (!codec)
            return mg_fail_msg(AVERROR_DECODER_NOT_FOUND, "no decoder for codec '%s'", avcodec_get_name(id));
    }

    AVDictionary *opts = NULL;
    int ret = mg_parse_options(options, &opts);
    if (ret < 0)
        return ret;

    mg_decoder *d = av_mallocz(sizeof *d);
    if (!d) {
        av_dict_free(&opts);
        return mg_fail(AVERROR(ENOMEM), "decoder %s", codec->name);
    }
    d->ctx = avcodec_alloc_context3(codec);
    if (!d->ctx) {
        ret = mg_fail(AVERROR(ENOMEM), "avcodec_alloc_context3(%s)", codec->name);
        goto fail;
    }
    ret = avcodec_parameters_to_context(d->ctx, par->par);
    if (ret < 0) {
        mg_fail(ret, "avcodec_parameters_to_context(%s)", codec->name);
        goto fail;
    }
    /* Lets the decoder compute best-effort timestamps and durations in the packets' time base. */
    d->ctx->pkt_timebase = par->time_base;
    d->ctx->framerate = par->frame_rate;
    d->ctx->thread_count = threads;   /* 0 = one per core */
    d->ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (cuda) {
        d->hw_requested = 1;
        if (!mg_codec_has_nvdec(codec)) {
            snprintf(d->hw_reason, sizeof d->hw_reason, "FFmpeg has no NVDEC hwaccel for the %s decoder", codec->name);
        } else {
            d->ctx->hw_device_ctx = av_buffer_ref(mg_cuda_hw_device(cuda));
            if (!d->ctx->hw_device_ctx) {
                ret = mg_fail(AVERROR(ENOMEM), "decoder %s: referencing the CUDA device", codec->name);
                goto fail;
            }
            d->ctx->opaque = d;   /* get_format's state; the log routing keys on it too (log.c) */
            d->ctx->get_format = get_format;
            /* NVDEC's output surfaces: its DPB and its own margin, plus the frames the graph holds at once. */
            d->ctx->extra_hw_frames = extra_hw_frames > 0 ? extra_hw_frames : 0;
            snprintf(d->hw_reason, sizeof d->hw_reason, "no frame decoded yet");
        }
    }

    ret = avcodec_open2(d->ctx, codec, &opts);
    if (ret < 0) {
        mg_fail(ret, "avcodec_open2(decoder %s)", codec->name);
        goto fail;
    }
    char component[96];
    snprintf(component, sizeof component, "decoder %s", codec->name);
    ret = mg_check_unused_options(opts, component);
    if (ret < 0)
        goto fail;

    av_dict_free(&opts);
    mg_handle_created();
    *out = d;
    return MG_OK;

fail:
    av_dict_free(&opts);
    avcodec_free_context(&d->ctx);   /* accepts NULL */
    av_free(d);
    return ret;
}

int mg_decoder_hw_state(const mg_decoder *d, char *why, int why_size)
{
    if (!d)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_hw_state: NULL decoder");
    if (why && why_size > 0)
        snprintf(why, (size_t)why_size, "%s", d->hw_active ? "" : d->hw_requested ? d->hw_reason : "no CUDA device given");
    return d->hw_active ? 1 : 0;
}

void mg_decoder_free(mg_decoder **p)
{
    if (!p || !*p)
        return;
    avcodec_free_context(&(*p)->ctx);
    av_freep(p);
    mg_handle_destroyed();
}

int mg_decoder_set_log(mg_decoder *d, mg_log_sink *sink)
{
    return d ? mg_log_bind_codec(d->ctx, sink) : MG_OK;
}

int mg_decoder_send(mg_decoder *d, const mg_packet *pkt)
{
    if (!d)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_send: NULL decoder");
    /* A NULL packet enters draining mode. */
    int ret = avcodec_send_packet(d->ctx, (const AVPacket *)pkt);
    if (ret == AVERROR(EAGAIN))
        return MG_AGAIN;
    if (ret == AVERROR_EOF)   /* already flushed */
        return MG_EOF;
    if (ret < 0)
        /* Typically AVERROR_INVALIDDATA for damaged data. The packet has been consumed and the decoder stays
           usable: the caller may log this and carry on with the next packet. */
        return mg_fail(ret, "decoding %s", d->ctx->codec->name);
    return MG_OK;
}

int mg_decoder_receive(mg_decoder *d, mg_frame *out)
{
    if (!d || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decoder_receive: NULL argument");
    AVFrame *f = MG_FRM(out);
    av_frame_unref(f);
    int ret = avcodec_receive_frame(d->ctx, f);
    if (ret == AVERROR(EAGAIN))
        return MG_AGAIN;
    if (ret == AVERROR_EOF)
        return MG_EOF;
    if (ret < 0)
        return mg_fail(ret, "decoding %s", d->ctx->codec->name);
    /* Decoders reorder frames; best_effort_timestamp is the pts guessed from pts/dts of the packets. The duration
       comes from the packet (0 when unknown; the caller derives it then). */
    f->pts = f->best_effort_timestamp;
    return MG_OK;
}
