/* wire.c — codec parameters to and from a portable byte form, so a process that receives packets through a broker
 * can open a decoder for them. The codec travels by name (codec ids are not stable across FFmpeg majors); every
 * field is little-endian and the form starts with its own version byte. Reading checks every length. */
#include "internal.h"
#include <string.h>

#define WIRE_VERSION 1

typedef struct { uint8_t *buf; int cap; int len; } writer;
typedef struct { const uint8_t *buf; int len; int pos; int bad; } reader;

static void put(writer *w, const void *src, int n)
{
    if (w->buf && w->len + n <= w->cap)
        memcpy(w->buf + w->len, src, n);
    w->len += n;
}
static void put_i32(writer *w, int32_t v) { uint8_t b[4]; for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i)); put(w, b, 4); }
static void put_i64(writer *w, int64_t v) { uint8_t b[8]; for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)v >> (8 * i)); put(w, b, 8); }

static int get(reader *r, void *dst, int n)
{
    if (r->bad || n < 0 || r->pos + n > r->len) { r->bad = 1; return 0; }
    memcpy(dst, r->buf + r->pos, n);
    r->pos += n;
    return 1;
}
static int32_t get_i32(reader *r) { uint8_t b[4] = {0}; get(r, b, 4); uint32_t v = 0; for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i); return (int32_t)v; }
static int64_t get_i64(reader *r) { uint8_t b[8] = {0}; get(r, b, 8); uint64_t v = 0; for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i); return (int64_t)v; }

int mg_codecpar_to_wire(const mg_codecpar *p, uint8_t *buf, int cap, int *size)
{
    if (!p || !size)
        return mg_fail_msg(AVERROR(EINVAL), "mg_codecpar_to_wire: null argument");
    const AVCodecParameters *par = p->par;
    writer w = { buf, cap, 0 };
    uint8_t version = WIRE_VERSION;
    put(&w, &version, 1);
    const char *name = avcodec_get_name(par->codec_id);
    int name_len = (int)strlen(name);
    put_i32(&w, name_len);
    put(&w, name, name_len);
    put_i32(&w, par->codec_type);
    put_i32(&w, (int32_t)par->codec_tag);
    put_i32(&w, par->format);
    put_i64(&w, par->bit_rate);
    put_i32(&w, par->bits_per_coded_sample);
    put_i32(&w, par->bits_per_raw_sample);
    put_i32(&w, par->profile);
    put_i32(&w, par->level);
    put_i32(&w, par->width);
    put_i32(&w, par->height);
    put_i32(&w, par->sample_aspect_ratio.num);
    put_i32(&w, par->sample_aspect_ratio.den);
    put_i32(&w, par->field_order);
    put_i32(&w, par->color_range);
    put_i32(&w, par->color_primaries);
    put_i32(&w, par->color_trc);
    put_i32(&w, par->color_space);
    put_i32(&w, par->chroma_location);
    put_i32(&w, par->video_delay);
    put_i32(&w, par->sample_rate);
    put_i32(&w, par->ch_layout.nb_channels);
    put_i64(&w, par->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? (int64_t)par->ch_layout.u.mask : 0);
    put_i32(&w, par->block_align);
    put_i32(&w, par->frame_size);
    put_i32(&w, par->initial_padding);
    put_i32(&w, par->trailing_padding);
    put_i32(&w, par->seek_preroll);
    put_i32(&w, p->time_base.num);
    put_i32(&w, p->time_base.den);
    put_i32(&w, p->frame_rate.num);
    put_i32(&w, p->frame_rate.den);
    put_i32(&w, p->has_display_matrix);
    for (int i = 0; i < 9; i++)
        put_i32(&w, p->has_display_matrix ? p->display_matrix[i] : 0);
    put_i32(&w, par->extradata_size);
    if (par->extradata_size > 0)
        put(&w, par->extradata, par->extradata_size);
    *size = w.len;
    return buf && w.len > cap ? mg_fail_msg(AVERROR(ENOSPC), "codec parameters need %d bytes, the buffer has %d", w.len, cap) : MG_OK;
}

int mg_codecpar_from_wire(const uint8_t *buf, int size, mg_codecpar **out)
{
    if (!buf || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_codecpar_from_wire: null argument");
    *out = NULL;
    reader r = { buf, size, 0, 0 };
    uint8_t version = 0;
    get(&r, &version, 1);
    if (r.bad || version != WIRE_VERSION)
        return mg_fail_msg(AVERROR_INVALIDDATA, "codec parameters of form version %d, this build reads version %d", version, WIRE_VERSION);
    char name[64] = {0};
    int name_len = get_i32(&r);
    if (name_len <= 0 || name_len >= (int)sizeof name || !get(&r, name, name_len))
        return mg_fail_msg(AVERROR_INVALIDDATA, "codec parameters: bad codec name length %d", name_len);
    const AVCodecDescriptor *desc = avcodec_descriptor_get_by_name(name);
    if (!desc)
        return mg_fail_msg(AVERROR_DECODER_NOT_FOUND, "codec parameters name codec '%s', which this FFmpeg does not know", name);
    AVCodecParameters *par = avcodec_parameters_alloc();
    if (!par)
        return mg_fail(AVERROR(ENOMEM), "codec parameters");
    par->codec_id = desc->id;
    par->codec_type = get_i32(&r);
    par->codec_tag = (uint32_t)get_i32(&r);
    par->format = get_i32(&r);
    par->bit_rate = get_i64(&r);
    par->bits_per_coded_sample = get_i32(&r);
    par->bits_per_raw_sample = get_i32(&r);
    par->profile = get_i32(&r);
    par->level = get_i32(&r);
    par->width = get_i32(&r);
    par->height = get_i32(&r);
    par->sample_aspect_ratio.num = get_i32(&r);
    par->sample_aspect_ratio.den = get_i32(&r);
    par->field_order = get_i32(&r);
    par->color_range = get_i32(&r);
    par->color_primaries = get_i32(&r);
    par->color_trc = get_i32(&r);
    par->color_space = get_i32(&r);
    par->chroma_location = get_i32(&r);
    par->video_delay = get_i32(&r);
    par->sample_rate = get_i32(&r);
    int channels = get_i32(&r);
    uint64_t mask = (uint64_t)get_i64(&r);
    if (channels > 0) {
        if (mask)
            av_channel_layout_from_mask(&par->ch_layout, mask);
        else
            av_channel_layout_default(&par->ch_layout, channels);
    }
    par->block_align = get_i32(&r);
    par->frame_size = get_i32(&r);
    par->initial_padding = get_i32(&r);
    par->trailing_padding = get_i32(&r);
    par->seek_preroll = get_i32(&r);
    AVRational tb, fr;
    tb.num = get_i32(&r); tb.den = get_i32(&r);
    fr.num = get_i32(&r); fr.den = get_i32(&r);
    int has_matrix = get_i32(&r);
    int32_t matrix[9];
    for (int i = 0; i < 9; i++)
        matrix[i] = get_i32(&r);
    int extradata_size = get_i32(&r);
    if (!r.bad && (extradata_size < 0 || extradata_size > r.len - r.pos))
        r.bad = 1;
    if (!r.bad && extradata_size > 0) {
        par->extradata = av_mallocz(extradata_size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!par->extradata) {
            avcodec_parameters_free(&par);
            return mg_fail(AVERROR(ENOMEM), "codec parameters extradata");
        }
        get(&r, par->extradata, extradata_size);
        par->extradata_size = extradata_size;
    }
    if (r.bad || tb.num <= 0 || tb.den <= 0) {
        avcodec_parameters_free(&par);
        return r.bad ? mg_fail_msg(AVERROR_INVALIDDATA, "codec parameters truncated: %d bytes", size)
                     : mg_fail_msg(AVERROR_INVALIDDATA, "codec parameters with an invalid time base %d/%d", tb.num, tb.den);
    }
    int ret = mg_codecpar_create(par, tb, fr, out);
    avcodec_parameters_free(&par);
    if (ret >= 0 && has_matrix) {
        memcpy((*out)->display_matrix, matrix, sizeof matrix);
        (*out)->has_display_matrix = 1;
    }
    return ret;
}
