/* decode.c — decoders (libavcodec send/receive API). */
#include "internal.h"

#include <stdio.h>

struct mg_decoder {
    AVCodecContext *ctx;
};

int mg_decoder_open(const mg_codecpar *par, const char *codec_name, int threads, const char *options,
                    mg_decoder **out)
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
