/* packet.c — mg_packet is an AVPacket. */
#include "internal.h"

#include <limits.h>
#include <string.h>

int mg_packet_alloc(mg_packet **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_packet_alloc: no output pointer");
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) {
        *out = NULL;
        return mg_fail(AVERROR(ENOMEM), "av_packet_alloc");
    }
    mg_handle_created();
    *out = (mg_packet *)pkt;
    return MG_OK;
}

void mg_packet_free(mg_packet **p)
{
    if (!p || !*p)
        return;
    AVPacket *pkt = MG_PKT(*p);
    av_packet_free(&pkt);
    *p = NULL;
    mg_handle_destroyed();
}

void mg_packet_unref(mg_packet *p)
{
    if (p)
        av_packet_unref(MG_PKT(p));
}

int mg_packet_ref(mg_packet *dst, const mg_packet *src)
{
    if (!dst || !src)
        return mg_fail_msg(AVERROR(EINVAL), "mg_packet_ref: NULL packet");
    if (dst == src)
        return MG_OK;
    av_packet_unref(MG_PKT(dst));
    int ret = av_packet_ref(MG_PKT(dst), (const AVPacket *)src);
    if (ret < 0)
        return mg_fail(ret, "av_packet_ref");
    return MG_OK;
}

int mg_packet_get_info(const mg_packet *p, mg_packet_info *out)
{
    if (!p || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_packet_get_info: NULL argument");
    const AVPacket *pkt = (const AVPacket *)p;
    out->pts = pkt->pts;
    out->dts = pkt->dts;
    out->duration = pkt->duration;
    out->pos = pkt->pos;
    out->data = pkt->data;
    out->size = pkt->size;
    out->stream_index = pkt->stream_index;
    out->flags = pkt->flags;
    return MG_OK;
}

void mg_packet_set_timing(mg_packet *p, int64_t pts, int64_t dts, int64_t duration)
{
    if (!p)
        return;
    MG_PKT(p)->pts = pts;
    MG_PKT(p)->dts = dts;
    MG_PKT(p)->duration = duration;
}

void mg_packet_set_flags(mg_packet *p, int flags)
{
    if (p)
        MG_PKT(p)->flags = flags;
}

/* Replaces the payload only: timing, flags, stream index and side data are kept, so callers may set them before
   or after. The new buffer carries FFmpeg's zeroed input padding. */
int mg_packet_from_data(mg_packet *p, const uint8_t *data, int size)
{
    if (!p || size < 0 || (size > 0 && !data))
        return mg_fail_msg(AVERROR(EINVAL), "mg_packet_from_data: invalid argument");
    if (size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return mg_fail_msg(AVERROR(EINVAL), "mg_packet_from_data: size %d too large", size);
    AVBufferRef *buf = av_buffer_alloc(size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!buf)
        return mg_fail(AVERROR(ENOMEM), "mg_packet_from_data");
    if (size > 0)
        memcpy(buf->data, data, size);
    memset(buf->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);

    AVPacket *pkt = MG_PKT(p);
    av_buffer_unref(&pkt->buf);
    pkt->buf = buf;
    pkt->data = buf->data;
    pkt->size = size;
    return MG_OK;
}
