/* frame.c — mg_frame is an AVFrame. */
#include "internal.h"
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>

/* ---------- version-dependent fields ---------- */

/* AVFrame.duration replaced pkt_duration in libavutil 58 (FFmpeg 6.0). */
int64_t mg_frame_duration(const AVFrame *f)
{
#if LIBAVUTIL_VERSION_MAJOR >= 58
    return f->duration;
#else
    return f->pkt_duration;
#endif
}

void mg_frame_set_duration(AVFrame *f, int64_t duration)
{
#if LIBAVUTIL_VERSION_MAJOR >= 58
    f->duration = duration;
#else
    f->pkt_duration = duration;
#endif
}

/* key_frame / interlaced_frame / top_field_first became AV_FRAME_FLAG_* bits in FFmpeg 6.1 (removed in 7.x+). */
static int frame_is_key(const AVFrame *f)
{
#ifdef AV_FRAME_FLAG_KEY
    return (f->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    return f->key_frame;
#endif
}

static int frame_is_interlaced(const AVFrame *f)
{
#ifdef AV_FRAME_FLAG_INTERLACED
    return (f->flags & AV_FRAME_FLAG_INTERLACED) != 0;
#else
    return f->interlaced_frame;
#endif
}

static int frame_top_field_first(const AVFrame *f)
{
#ifdef AV_FRAME_FLAG_TOP_FIELD_FIRST
    return (f->flags & AV_FRAME_FLAG_TOP_FIELD_FIRST) != 0;
#else
    return f->top_field_first;
#endif
}

/* ---------- handles ---------- */

int mg_frame_alloc(mg_frame **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_alloc: no output pointer");
    AVFrame *f = av_frame_alloc();
    if (!f) {
        *out = NULL;
        return mg_fail(AVERROR(ENOMEM), "av_frame_alloc");
    }
    mg_handle_created();
    *out = (mg_frame *)f;
    return MG_OK;
}

void mg_frame_free(mg_frame **p)
{
    if (!p || !*p)
        return;
    AVFrame *f = MG_FRM(*p);
    av_frame_free(&f);
    *p = NULL;
    mg_handle_destroyed();
}

void mg_frame_unref(mg_frame *f)
{
    if (f)
        av_frame_unref(MG_FRM(f));
}

int mg_frame_ref(mg_frame *dst, const mg_frame *src)
{
    if (!dst || !src)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_ref: NULL frame");
    if (dst == src)
        return MG_OK;
    /* av_frame_ref requires a clean destination. */
    av_frame_unref(MG_FRM(dst));
    int ret = av_frame_ref(MG_FRM(dst), (const AVFrame *)src);
    if (ret < 0)
        return mg_fail(ret, "av_frame_ref");
    return MG_OK;
}

int mg_frame_get_info(const mg_frame *fr, mg_frame_info *out)
{
    if (!fr || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_get_info: NULL argument");
    const AVFrame *f = (const AVFrame *)fr;
    memset(out, 0, sizeof *out);

    if (f->nb_samples > 0)
        out->media_type = MG_MEDIA_AUDIO;
    else if (f->width > 0 && f->format >= 0)
        out->media_type = MG_MEDIA_VIDEO;
    else
        out->media_type = MG_MEDIA_UNKNOWN;

    out->format = f->format;
    out->width = f->width;
    out->height = f->height;
    out->sar_num = f->sample_aspect_ratio.num;
    out->sar_den = f->sample_aspect_ratio.den;
    out->interlaced = frame_is_interlaced(f);
    out->top_field_first = frame_top_field_first(f);
    out->key_frame = frame_is_key(f);
    out->pict_type = f->pict_type;
    out->sample_rate = f->sample_rate;
    out->nb_samples = f->nb_samples;
    out->channels = f->ch_layout.nb_channels;
    out->channel_mask = f->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? f->ch_layout.u.mask : 0;
    out->pts = f->pts;
    out->duration = mg_frame_duration(f);
    out->decode_error_flags = f->decode_error_flags;
    out->hw = f->hw_frames_ctx != NULL;
    for (int i = 0; i < 8; i++) {
        out->data[i] = f->data[i];
        out->linesize[i] = f->linesize[i];
    }
    return MG_OK;
}

void mg_frame_set_timing(mg_frame *f, int64_t pts, int64_t duration)
{
    if (!f)
        return;
    MG_FRM(f)->pts = pts;
    mg_frame_set_duration(MG_FRM(f), duration);
}

/* ---------- buffers ---------- */

int mg_frame_alloc_video(mg_frame *fr, int width, int height, int pix_fmt, int align)
{
    if (!fr)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_alloc_video: NULL frame");
    if (width <= 0 || height <= 0 || align < 0 || !av_pix_fmt_desc_get((enum AVPixelFormat)pix_fmt))
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_alloc_video: invalid size %dx%d, pixel format %d or align %d",
                           width, height, pix_fmt, align);
    AVFrame *f = MG_FRM(fr);
    /* av_frame_get_buffer would leak existing buffers; the frame is meant to be empty, so drop them. */
    if (f->buf[0])
        av_frame_unref(f);
    f->width = width;
    f->height = height;
    f->format = pix_fmt;
    int ret = av_frame_get_buffer(f, align);
    if (ret < 0)
        return mg_fail(ret, "av_frame_get_buffer(%dx%d %s)", width, height, av_get_pix_fmt_name(pix_fmt));
    return MG_OK;
}

int mg_frame_alloc_audio(mg_frame *fr, int nb_samples, int sample_fmt, int sample_rate, int channels,
                         uint64_t channel_mask)
{
    if (!fr)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_alloc_audio: NULL frame");
    if (nb_samples <= 0 || channels <= 0 || sample_rate < 0 || !av_get_sample_fmt_name(sample_fmt))
        return mg_fail_msg(AVERROR(EINVAL),
                           "mg_frame_alloc_audio: invalid samples %d, sample format %d, rate %d or channels %d",
                           nb_samples, sample_fmt, sample_rate, channels);
    AVFrame *f = MG_FRM(fr);
    if (f->buf[0])
        av_frame_unref(f);

    AVChannelLayout layout = { 0 };
    if (channel_mask) {
        int ret = av_channel_layout_from_mask(&layout, channel_mask);
        if (ret < 0 || layout.nb_channels != channels) {
            av_channel_layout_uninit(&layout);
            return mg_fail_msg(AVERROR(EINVAL), "mg_frame_alloc_audio: channel mask 0x%llx does not have %d channels",
                               (unsigned long long)channel_mask, channels);
        }
    } else {
        av_channel_layout_default(&layout, channels);
    }
    av_channel_layout_uninit(&f->ch_layout);
    f->ch_layout = layout;   /* a native/unspec layout owns no memory, so a plain copy is fine */
    f->nb_samples = nb_samples;
    f->format = sample_fmt;
    f->sample_rate = sample_rate;

    int ret = av_frame_get_buffer(f, 0);
    if (ret < 0)
        return mg_fail(ret, "av_frame_get_buffer(%d samples %s %d ch)", nb_samples, av_get_sample_fmt_name(sample_fmt),
                       channels);
    return MG_OK;
}

int mg_frame_make_writable(mg_frame *f)
{
    if (!f)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_make_writable: NULL frame");
    int ret = av_frame_make_writable(MG_FRM(f));
    if (ret < 0)
        return mg_fail(ret, "av_frame_make_writable");
    return MG_OK;
}

int mg_pix_fmt_plane_geometry(int pix_fmt, int width, int height, int plane, int *row_bytes, int *rows)
{
    if (!row_bytes || !rows)
        return mg_fail_msg(AVERROR(EINVAL), "mg_pix_fmt_plane_geometry: null argument");
    *row_bytes = 0;
    *rows = 0;
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get((enum AVPixelFormat)pix_fmt);
    if (!desc)
        return mg_fail_msg(AVERROR(EINVAL), "unknown pixel format %d", pix_fmt);
    if (plane < 0 || plane > 3 || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL))
        return MG_OK;
    int linesizes[4];
    int ret = av_image_fill_linesizes(linesizes, (enum AVPixelFormat)pix_fmt, width);
    if (ret < 0)
        return mg_fail(ret, "plane sizes of %s %dx%d", desc->name, width, height);
    if (linesizes[plane] <= 0)
        return MG_OK;
    ptrdiff_t pitches[4] = { linesizes[0], linesizes[1], linesizes[2], linesizes[3] };
    size_t sizes[4];
    ret = av_image_fill_plane_sizes(sizes, (enum AVPixelFormat)pix_fmt, height, pitches);
    if (ret < 0)
        return mg_fail(ret, "plane sizes of %s %dx%d", desc->name, width, height);
    *row_bytes = linesizes[plane];
    *rows = (int)(sizes[plane] / (size_t)linesizes[plane]);
    return MG_OK;
}

int mg_frame_wrap_device(mg_frame *fr, const mg_frame *props, int width, int height, int pix_fmt, uint8_t *base,
                         size_t size, const int64_t offsets[4], const int linesize[4],
                         void (*release)(void *opaque, uint8_t *data), void *opaque)
{
    if (!fr || !base || !offsets || !linesize || !release)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_wrap_device: null argument");
    if (width <= 0 || height <= 0 || !av_pix_fmt_desc_get((enum AVPixelFormat)pix_fmt))
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_wrap_device: invalid size %dx%d or pixel format %d", width, height,
                           pix_fmt);
    AVFrame *f = MG_FRM(fr);
    av_frame_unref(f);
    if (props) {
        int ret = av_frame_copy_props(f, MG_FRM(props));
        if (ret < 0)
            return mg_fail(ret, "av_frame_copy_props");
    }
    f->buf[0] = av_buffer_create(base, size, release, opaque, 0);
    if (!f->buf[0]) {
        av_frame_unref(f);
        return mg_fail_msg(AVERROR(ENOMEM), "mg_frame_wrap_device: av_buffer_create");
    }
    f->width = width;
    f->height = height;
    f->format = pix_fmt;
    for (int i = 0; i < 4; i++) {
        f->data[i] = linesize[i] ? base + offsets[i] : NULL;
        f->linesize[i] = linesize[i];
    }
    return MG_OK;
}

int mg_frame_color(const mg_frame *fr, int *colorspace, int *range)
{
    if (!fr || !colorspace || !range)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_color: null argument");
    const AVFrame *f = MG_FRM(fr);
    *colorspace = f->colorspace;
    *range = f->color_range;
    return MG_OK;
}

void mg_frame_set_interlacing(mg_frame *fr, int interlaced, int top_field_first)
{
    if (!fr)
        return;
    AVFrame *f = MG_FRM(fr);
#ifdef AV_FRAME_FLAG_INTERLACED
    f->flags = (f->flags & ~(AV_FRAME_FLAG_INTERLACED | AV_FRAME_FLAG_TOP_FIELD_FIRST)) |
               (interlaced ? AV_FRAME_FLAG_INTERLACED : 0) | (top_field_first ? AV_FRAME_FLAG_TOP_FIELD_FIRST : 0);
#else
    f->interlaced_frame = interlaced;
    f->top_field_first = top_field_first;
#endif
}

int mg_frame_copy_props(mg_frame *dst, const mg_frame *src)
{
    if (!dst || !src)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_copy_props: null frame");
    int ret = av_frame_copy_props(MG_FRM(dst), MG_FRM(src));
    if (ret < 0)
        return mg_fail(ret, "av_frame_copy_props");
    return MG_OK;
}

void mg_frame_set_sar(mg_frame *fr, int num, int den)
{
    if (!fr)
        return;
    MG_FRM(fr)->sample_aspect_ratio = (AVRational){ num, den };
}

void mg_frame_set_color(mg_frame *fr, int colorspace, int range)
{
    if (!fr)
        return;
    MG_FRM(fr)->colorspace = colorspace;
    MG_FRM(fr)->color_range = range;
}
