/* demux.c — input files and streams (libavformat). */
#include "internal.h"
#include <libavutil/display.h>
#include <math.h>
#include <string.h>

#include <stdatomic.h>

struct mg_demuxer {
    AVFormatContext *fmt;
    atomic_int interrupted;   /* set by mg_demuxer_interrupt from any thread, read by FFmpeg's I/O loop */
};

/* AVIOInterruptCB: a non-zero return makes blocking I/O give up with AVERROR_EXIT. */
static int demuxer_interrupt_cb(void *opaque)
{
    struct mg_demuxer *d = opaque;
    return atomic_load(&d->interrupted);
}

int mg_demuxer_open(const char *url, const char *format, const char *options, mg_demuxer **out)
{
    mg_log_capture_begin();
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_open: no output pointer");
    *out = NULL;
    if (!url)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_open: no url");

    const AVInputFormat *ifmt = NULL;
    if (format && *format) {
        ifmt = av_find_input_format(format);
        if (!ifmt)
            return mg_fail_msg(AVERROR_DEMUXER_NOT_FOUND,
                               "unknown input format '%s' (run `ffmpeg -demuxers` for the list)", format);
    }

    AVDictionary *opts = NULL;
    int ret = mg_parse_options(options, &opts);
    if (ret < 0)
        return ret;

    mg_demuxer *d = av_mallocz(sizeof *d);
    if (!d) {
        av_dict_free(&opts);
        return mg_fail(AVERROR(ENOMEM), "cannot open '%s'", url);
    }
    atomic_init(&d->interrupted, 0);

    /* The interrupt callback has to be in place before avformat_open_input starts any I/O, so the context is
       allocated first. avformat_open_input frees it (and sets it NULL) when it fails. */
    d->fmt = avformat_alloc_context();
    if (!d->fmt) {
        ret = mg_fail(AVERROR(ENOMEM), "cannot open '%s'", url);
        goto fail;
    }
    d->fmt->interrupt_callback.callback = demuxer_interrupt_cb;
    d->fmt->interrupt_callback.opaque = d;

    ret = avformat_open_input(&d->fmt, url, ifmt, &opts);
    if (ret < 0) {
        mg_fail(ret, "cannot open '%s'", url);
        goto fail;
    }
    /* Whatever neither the demuxer nor the protocol took is a typo or an option of something else. */
    ret = mg_check_unused_options(opts, "demuxer");
    if (ret < 0)
        goto fail;

    ret = avformat_find_stream_info(d->fmt, NULL);
    if (ret < 0) {
        mg_fail(ret, "avformat_find_stream_info('%s')", url);
        goto fail;
    }

    av_dict_free(&opts);
    mg_handle_created();
    *out = d;
    return MG_OK;

fail:
    av_dict_free(&opts);
    avformat_close_input(&d->fmt);   /* accepts NULL */
    av_free(d);
    return ret;
}

void mg_demuxer_free(mg_demuxer **p)
{
    if (!p || !*p)
        return;
    avformat_close_input(&(*p)->fmt);
    av_freep(p);
    mg_handle_destroyed();
}

int mg_demuxer_stream_count(const mg_demuxer *d)
{
    if (!d)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_stream_count: NULL demuxer");
    return (int)d->fmt->nb_streams;
}

static int check_stream_index(const mg_demuxer *d, int index, const char *what)
{
    if (!d)
        return mg_fail_msg(AVERROR(EINVAL), "%s: NULL demuxer", what);
    if (index < 0 || (unsigned)index >= d->fmt->nb_streams)
        return mg_fail_msg(AVERROR(EINVAL), "%s: stream index %d out of range (%u streams in '%s')", what, index,
                           d->fmt->nb_streams, d->fmt->url ? d->fmt->url : "");
    return MG_OK;
}

int mg_demuxer_stream_info(const mg_demuxer *d, int index, mg_stream_info *out)
{
    int ret = check_stream_index(d, index, "mg_demuxer_stream_info");
    if (ret < 0)
        return ret;
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_stream_info: no output pointer");
    const AVStream *st = d->fmt->streams[index];
    mg_fill_stream_info(out, st->codecpar, st->time_base, st->avg_frame_rate);
    out->index = index;
    out->start_time = st->start_time;   /* AV_NOPTS_VALUE == MG_NOPTS */
    out->duration = st->duration;
    out->nb_frames = st->nb_frames;
    const int32_t *matrix = mg_stream_display_matrix(st);
    out->rotation = matrix ? mg_display_matrix_rotation(matrix) : 0;
    return MG_OK;
}

const int32_t *mg_stream_display_matrix(const AVStream *st)
{
#if LIBAVFORMAT_VERSION_MAJOR >= 61 || (LIBAVFORMAT_VERSION_MAJOR == 60 && LIBAVFORMAT_VERSION_MINOR >= 15)
    const AVPacketSideData *sd = av_packet_side_data_get(st->codecpar->coded_side_data,
                                                         st->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
    return sd && sd->size >= 9 * sizeof(int32_t) ? (const int32_t *)sd->data : NULL;
#else
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return data && size >= 9 * sizeof(int32_t) ? (const int32_t *)data : NULL;
#endif
}

double mg_display_matrix_rotation(const int32_t *matrix)
{
    double theta = -round(av_display_rotation_get(matrix));
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    return theta;
}

int mg_demuxer_codecpar(const mg_demuxer *d, int index, mg_codecpar **out)
{
    if (out)
        *out = NULL;
    int ret = check_stream_index(d, index, "mg_demuxer_codecpar");
    if (ret < 0)
        return ret;
    const AVStream *st = d->fmt->streams[index];
    ret = mg_codecpar_create(st->codecpar, st->time_base, st->avg_frame_rate, out);
    const int32_t *matrix = mg_stream_display_matrix(st);
    if (ret >= 0 && matrix) {
        memcpy((*out)->display_matrix, matrix, sizeof((*out)->display_matrix));
        (*out)->has_display_matrix = 1;
    }
    return ret;
}

int64_t mg_demuxer_start_time(const mg_demuxer *d)
{
    return d ? d->fmt->start_time : MG_NOPTS;
}

int64_t mg_demuxer_duration(const mg_demuxer *d)
{
    return d ? d->fmt->duration : MG_NOPTS;
}

const char *mg_demuxer_format_name(const mg_demuxer *d)
{
    return d && d->fmt->iformat ? d->fmt->iformat->name : NULL;
}

int mg_demuxer_best_stream(const mg_demuxer *d, int media_type)
{
    if (!d)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_best_stream: NULL demuxer");
    int ret = av_find_best_stream(d->fmt, (enum AVMediaType)media_type, -1, -1, NULL, 0);
    if (ret < 0) {
        const char *type = av_get_media_type_string((enum AVMediaType)media_type);
        return mg_fail(ret, "no %s stream in '%s'", type ? type : "such", d->fmt->url ? d->fmt->url : "");
    }
    return ret;
}

int mg_demuxer_read(mg_demuxer *d, mg_packet *pkt, mg_packet_info *info)
{
    if (!d || !pkt)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_read: NULL argument");
    av_packet_unref(MG_PKT(pkt));
    int ret = av_read_frame(d->fmt, MG_PKT(pkt));
    if (ret == AVERROR_EOF)
        return MG_EOF;
    if (ret < 0)
        return mg_fail(ret, "av_read_frame('%s')", d->fmt->url ? d->fmt->url : "");
    if (info)
        mg_packet_get_info(pkt, info);
    return MG_OK;
}

void mg_demuxer_interrupt(mg_demuxer *d)
{
    if (d)
        atomic_store(&d->interrupted, 1);
}

int mg_demuxer_ts_discontinuous(const mg_demuxer *d)
{
    return d && d->fmt && d->fmt->iformat && (d->fmt->iformat->flags & AVFMT_TS_DISCONT) ? 1 : 0;
}
