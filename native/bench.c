/* bench.c — the bare decode loop: the baseline the graph's decode is measured against (issue 17, "Performance").
 *
 * Opens a file, decodes its best video stream and drops every frame the moment it is received: no download, no
 * conversion, no queue, no graph. With CUDA it is FFmpeg's CUDA hwaccel (NVDEC) on the device's primary context,
 * output format AV_PIX_FMT_CUDA; in software, libavcodec's decoder with the given threads. What a program that only
 * decodes gets from this FFmpeg on this machine, so "the graph decodes at N% of the bare loop" has a meaning.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>

/* libavutil/hwcontext_cuda.h's flag (that header needs cuda.h, which a machine without the toolkit lacks). */
#ifndef AV_CUDA_USE_PRIMARY_CONTEXT
#define AV_CUDA_USE_PRIMARY_CONTEXT (1 << 0)
#endif

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CUDA when the decoder offers it (its NVDEC hwaccel set up), else the first software format. */
static enum AVPixelFormat bench_get_format(AVCodecContext *ctx, const enum AVPixelFormat *fmts)
{
    const enum AVPixelFormat *p;
    for (p = fmts; *p != AV_PIX_FMT_NONE; p++)
        if (*p == AV_PIX_FMT_CUDA)
            return AV_PIX_FMT_CUDA;
    for (p = fmts; *p != AV_PIX_FMT_NONE; p++) {
        const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(*p);
        if (desc && !(desc->flags & AV_PIX_FMT_FLAG_HWACCEL))
            return *p;
    }
    return AV_PIX_FMT_NONE;
}

/* Receives every frame the decoder has ready, dropping each at once; MG_OK, or a negative error. */
static int drain(AVCodecContext *ctx, AVFrame *frame, mg_decode_bench_result *r, double start, int *eof)
{
    for (;;) {
        int ret = avcodec_receive_frame(ctx, frame);
        if (ret == AVERROR(EAGAIN))
            return MG_OK;
        if (ret == AVERROR_EOF) {
            *eof = 1;
            return MG_OK;
        }
        if (ret < 0)
            return mg_fail(ret, "bare decode loop: decoding %s", ctx->codec->name);
        double t = now_seconds() - start;
        if (r->frames == 0) {
            r->first_frame_seconds = t;
            r->width = frame->width;
            r->height = frame->height;
        }
        r->last_frame_seconds = t;
        r->frames++;
        if (frame->format == AV_PIX_FMT_CUDA)
            r->cuda_frames++;
        av_frame_unref(frame);   /* dropped: an NVDEC surface goes straight back to FFmpeg's pool */
    }
}

int mg_decode_bench(const char *url, int mode, mg_cuda *cuda, int threads, mg_decode_bench_result *out)
{
    mg_log_capture_begin();
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decode_bench: no result pointer");
    memset(out, 0, sizeof *out);
    if (!url || !*url)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decode_bench: no input");
    if (mode < MG_DECODE_BENCH_SOFTWARE || mode > MG_DECODE_BENCH_AUTO)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decode_bench: unknown mode %d (0 software, 1 cuda, 2 auto)", mode);
    if (threads < 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_decode_bench: invalid thread count %d", threads);

    AVFormatContext *fmt = NULL;
    AVCodecContext *ctx = NULL;
    AVBufferRef *device = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL;
    const AVCodec *codec = NULL;
    double t0 = now_seconds();
    int ret = avformat_open_input(&fmt, url, NULL, NULL);
    if (ret < 0)
        return mg_fail(ret, "bare decode loop: opening %s", url);
    ret = avformat_find_stream_info(fmt, NULL);
    if (ret < 0) {
        mg_fail(ret, "bare decode loop: reading the streams of %s", url);
        goto done;
    }
    int index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (index < 0) {
        ret = index == AVERROR_DECODER_NOT_FOUND
                  ? mg_fail_msg(index, "bare decode loop: %s has a video stream but this FFmpeg has no decoder for it", url)
                  : mg_fail_msg(AVERROR(EINVAL), "bare decode loop: %s has no video stream", url);
        goto done;
    }
    AVStream *st = fmt->streams[index];
    ctx = avcodec_alloc_context3(codec);
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    if (!ctx || !pkt || !frame) {
        ret = mg_fail(AVERROR(ENOMEM), "bare decode loop");
        goto done;
    }
    ret = avcodec_parameters_to_context(ctx, st->codecpar);
    if (ret < 0) {
        mg_fail(ret, "bare decode loop: avcodec_parameters_to_context(%s)", codec->name);
        goto done;
    }
    ctx->pkt_timebase = st->time_base;
    ctx->thread_count = threads;   /* 0 = one per core; the graph's NVDEC decoder uses 1 */
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;

    if (mode != MG_DECODE_BENCH_SOFTWARE) {
        if (!mg_codec_has_nvdec(codec)) {
            snprintf(out->why, sizeof out->why, "FFmpeg has no NVDEC hwaccel for the %s decoder", codec->name);
        } else if (cuda) {
            device = av_buffer_ref(mg_cuda_hw_device(cuda));
            if (!device) {
                ret = mg_fail(AVERROR(ENOMEM), "bare decode loop: referencing the CUDA device");
                goto done;
            }
        } else {
            /* The device's primary context, as a program that only decodes would open it (FFmpeg sets its flags to
               CU_CTX_SCHED_BLOCKING_SYNC; it fails when the context is already active with other flags). */
            ret = av_hwdevice_ctx_create(&device, AV_HWDEVICE_TYPE_CUDA, NULL, NULL, AV_CUDA_USE_PRIMARY_CONTEXT);
            if (ret < 0) {
                if (mode == MG_DECODE_BENCH_CUDA) {
                    mg_fail(ret, "bare decode loop: opening CUDA device 0 on its primary context "
                                 "(no NVIDIA driver or GPU, or the primary context is active with flags FFmpeg does not take)");
                    goto done;
                }
                snprintf(out->why, sizeof out->why, "no CUDA device could be opened (%s)", av_err2str(ret));
                ret = 0;
            }
        }
        if (!device && mode == MG_DECODE_BENCH_CUDA) {
            ret = mg_fail_msg(AVERROR(ENOSYS), "bare decode loop: cannot decode %s with NVDEC: %s", url, out->why);
            goto done;
        }
        if (device) {
            ctx->hw_device_ctx = device;
            device = NULL;
            ctx->get_format = bench_get_format;
        }
    }
    ret = avcodec_open2(ctx, codec, NULL);
    if (ret < 0) {
        mg_fail(ret, "bare decode loop: avcodec_open2(%s)", codec->name);
        goto done;
    }

    double start = now_seconds();
    out->open_seconds = start - t0;
    int eof = 0;
    while (!eof) {
        ret = av_read_frame(fmt, pkt);
        if (ret == AVERROR_EOF) {
            ret = avcodec_send_packet(ctx, NULL);   /* flush */
            if (ret < 0 && ret != AVERROR_EOF) {
                mg_fail(ret, "bare decode loop: flushing %s", codec->name);
                goto done;
            }
            ret = drain(ctx, frame, out, start, &eof);
            if (ret < 0)
                goto done;
            eof = 1;
            break;
        }
        if (ret < 0) {
            mg_fail(ret, "bare decode loop: reading %s", url);
            goto done;
        }
        if (pkt->stream_index == index) {
            out->packets++;
            for (;;) {
                ret = avcodec_send_packet(ctx, pkt);
                if (ret == AVERROR(EAGAIN)) {   /* the decoder is full: take its frames, then send again */
                    ret = drain(ctx, frame, out, start, &eof);
                    if (ret < 0)
                        break;
                    continue;
                }
                if (ret == AVERROR_INVALIDDATA)   /* damaged data: skipped, as the graph's decoder does */
                    ret = 0;
                if (ret < 0)
                    mg_fail(ret, "bare decode loop: decoding %s", codec->name);
                else
                    ret = drain(ctx, frame, out, start, &eof);
                break;
            }
            if (ret < 0) {
                av_packet_unref(pkt);
                goto done;
            }
        }
        av_packet_unref(pkt);
    }
    out->seconds = now_seconds() - start;
    out->hw = out->cuda_frames > 0;
    if (mode != MG_DECODE_BENCH_SOFTWARE && !out->hw && !out->why[0])
        snprintf(out->why, sizeof out->why, "the %s decoder's NVDEC setup failed for this stream (profile, size or bit depth)",
                 codec->name);
    if (out->hw)
        out->why[0] = 0;
    ret = MG_OK;

done:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    av_buffer_unref(&device);
    avformat_close_input(&fmt);
    return ret;
}
