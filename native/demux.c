/* demux.c — input files and streams (libavformat). */
#include "internal.h"
#include <libavutil/avstring.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libavutil/time.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdatomic.h>

struct mg_demuxer {
    AVFormatContext *fmt;
    atomic_int interrupted;   /* set by mg_demuxer_interrupt from any thread, read by FFmpeg's I/O loop */
    int64_t deadline;         /* av_gettime_relative() after which blocking I/O gives up; 0 = none */
    int timed_out;            /* the interrupt callback stopped I/O because the deadline passed */
    int64_t read_timeout;     /* microseconds each mg_demuxer_read may take; 0 = no limit */
    const int *cancel;        /* while opening: the caller's flag, set from any thread to give up (NULL none) */
};

/* AVIOInterruptCB: a non-zero return makes blocking I/O give up with AVERROR_EXIT. Called by FFmpeg's I/O loops
   (connect, poll, read) while they wait, so a deadline here bounds every protocol, whatever its own options. */
static int demuxer_interrupt_cb(void *opaque)
{
    struct mg_demuxer *d = opaque;
    if (atomic_load(&d->interrupted) || (d->cancel && __atomic_load_n(d->cancel, __ATOMIC_ACQUIRE)))
        return 1;
    if (d->deadline && av_gettime_relative() > d->deadline) {
        d->timed_out = 1;
        return 1;
    }
    return 0;
}

int mg_demuxer_open(const char *url, const char *format, const char *options, mg_demuxer **out)
{
    return mg_demuxer_open_timed(url, format, options, 0, 0, NULL, out);
}

int mg_demuxer_open_timed(const char *url, const char *format, const char *options, int64_t open_timeout_us,
                          int64_t read_timeout_us, const int *cancel, mg_demuxer **out)
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
    d->read_timeout = read_timeout_us > 0 ? read_timeout_us : 0;
    d->cancel = cancel;

    /* The interrupt callback has to be in place before avformat_open_input starts any I/O, so the context is
       allocated first. avformat_open_input frees it (and sets it NULL) when it fails. */
    d->fmt = avformat_alloc_context();
    if (!d->fmt) {
        ret = mg_fail(AVERROR(ENOMEM), "cannot open '%s'", url);
        goto fail;
    }
    d->fmt->interrupt_callback.callback = demuxer_interrupt_cb;
    d->fmt->interrupt_callback.opaque = d;

    /* One deadline for opening and reading the stream info: a server that accepts and never answers, or answers
       too slowly to be of use, fails here instead of hanging. */
    d->deadline = open_timeout_us > 0 ? av_gettime_relative() + open_timeout_us : 0;
    /* The read timeout also goes to the protocols as rw_timeout (tcp, http ... fail with ETIMEDOUT on their own); a
       demuxer that opens no protocol itself (rtsp) leaves it unused, which is not the user's typo. */
    int added_rw_timeout = 0;
    if (d->read_timeout && !av_dict_get(opts, "rw_timeout", NULL, 0)) {
        av_dict_set_int(&opts, "rw_timeout", d->read_timeout, 0);
        added_rw_timeout = 1;
    }
    ret = avformat_open_input(&d->fmt, url, ifmt, &opts);
    if (added_rw_timeout)
        av_dict_set(&opts, "rw_timeout", NULL, 0);
    if (ret < 0) {
        if (d->timed_out)
            ret = mg_fail_msg(AVERROR(ETIMEDOUT), "cannot open '%s': no answer within the open timeout (%.3g s)", url,
                              open_timeout_us / 1e6);
        else
            mg_fail(ret, "cannot open '%s'", url);
        goto fail;
    }
    /* Whatever neither the demuxer nor the protocol took is a typo or an option of something else. */
    ret = mg_check_unused_options(opts, "demuxer");
    if (ret < 0)
        goto fail;

    ret = avformat_find_stream_info(d->fmt, NULL);
    if (ret < 0 || d->timed_out) {
        if (d->timed_out)
            mg_fail_msg(AVERROR(ETIMEDOUT), "cannot open '%s': its streams were not found within the open timeout (%.3g s)",
                        url, open_timeout_us / 1e6);
        else
            mg_fail(ret, "avformat_find_stream_info('%s')", url);
        if (d->timed_out)
            ret = AVERROR(ETIMEDOUT);
        goto fail;
    }
    d->deadline = 0;

    av_dict_free(&opts);
    d->cancel = NULL;   /* the caller's flag lives only as long as this call */
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

int mg_demuxer_set_log(mg_demuxer *d, mg_log_sink *sink)
{
    return d ? mg_log_bind_format(d->fmt, sink) : MG_OK;
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
    AVRational guess = av_guess_frame_rate(d->fmt, (AVStream *)st, NULL);
    out->guess_fr_num = guess.num > 0 && guess.den > 0 ? guess.num : 0;
    out->guess_fr_den = guess.num > 0 && guess.den > 0 ? guess.den : 0;
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
    if (ret >= 0) {
        /* The ffmpeg CLI encodes a decoded stream at this rate (its -r default and -vsync's clock). */
        AVRational guess = av_guess_frame_rate(d->fmt, (AVStream *)st, NULL);
        if (guess.num > 0 && guess.den > 0)
            (*out)->guessed_frame_rate = guess;
    }
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
    d->timed_out = 0;
    d->deadline = d->read_timeout ? av_gettime_relative() + d->read_timeout : 0;
    int ret = av_read_frame(d->fmt, MG_PKT(pkt));
    d->deadline = 0;
    if (d->timed_out && ret < 0)
        return mg_fail_msg(AVERROR(ETIMEDOUT), "reading '%s': no data within the read timeout (%.3g s)",
                           d->fmt->url ? d->fmt->url : "", d->read_timeout / 1e6);
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

/* ---------- what ffprobe -show_format -show_streams reports ---------- */

static void copy_name(char *dst, size_t size, const char *name)
{
    av_strlcpy(dst, name ? name : "", size);
}

int mg_demuxer_format_details(const mg_demuxer *d, mg_format_details *out)
{
    if (!d || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_format_details: NULL argument");
    memset(out, 0, sizeof *out);
    const AVFormatContext *fmt = d->fmt;
    copy_name(out->long_name, sizeof out->long_name, fmt->iformat ? fmt->iformat->long_name : NULL);
    /* ffprobe: pb ? avio_size(pb) : -1; avio_size returns a negative AVERROR where the size cannot be known. */
    int64_t size = fmt->pb ? avio_size(fmt->pb) : -1;
    out->size = size >= 0 ? size : -1;
    out->bit_rate = fmt->bit_rate > 0 ? fmt->bit_rate : 0;
    out->nb_programs = (int)fmt->nb_programs;
    out->probe_score = fmt->probe_score;
    out->tag_count = av_dict_count(fmt->metadata);
    return MG_OK;
}

int mg_demuxer_stream_details(const mg_demuxer *d, int index, mg_stream_details *out)
{
    int ret = check_stream_index(d, index, "mg_demuxer_stream_details");
    if (ret < 0)
        return ret;
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_stream_details: no output pointer");
    memset(out, 0, sizeof *out);
    const AVStream *st = d->fmt->streams[index];
    const AVCodecParameters *par = st->codecpar;

    /* As ffprobe: the profile's name, else its number, else nothing. */
    const char *profile = avcodec_profile_name(par->codec_id, par->profile);
    if (profile)
        copy_name(out->profile, sizeof out->profile, profile);
    else if (par->profile != FF_PROFILE_UNKNOWN)
        snprintf(out->profile, sizeof out->profile, "%d", par->profile);
    out->level = par->level;

    if (par->color_range != AVCOL_RANGE_UNSPECIFIED)
        copy_name(out->color_range, sizeof out->color_range, av_color_range_name(par->color_range));
    if (par->color_space != AVCOL_SPC_UNSPECIFIED)
        copy_name(out->color_space, sizeof out->color_space, av_color_space_name(par->color_space));
    if (par->color_primaries != AVCOL_PRI_UNSPECIFIED)
        copy_name(out->color_primaries, sizeof out->color_primaries, av_color_primaries_name(par->color_primaries));
    if (par->color_trc != AVCOL_TRC_UNSPECIFIED)
        copy_name(out->color_transfer, sizeof out->color_transfer, av_color_transfer_name(par->color_trc));

    if (par->codec_type == AVMEDIA_TYPE_AUDIO && par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC
        && av_channel_layout_describe(&par->ch_layout, out->channel_layout, sizeof out->channel_layout) < 0)
        out->channel_layout[0] = '\0';

    out->r_fr_num = st->r_frame_rate.num;
    out->r_fr_den = st->r_frame_rate.den;
    out->avg_fr_num = st->avg_frame_rate.num;
    out->avg_fr_den = st->avg_frame_rate.den;
    out->disposition = st->disposition;
    out->tag_count = av_dict_count(st->metadata);
    return MG_OK;
}

int mg_demuxer_tag(const mg_demuxer *d, int stream, int i, char *key, int key_size, int *key_len,
                   char *value, int value_size, int *value_len)
{
    if (!d || !key || key_size <= 0 || !value || value_size <= 0 || !key_len || !value_len)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_tag: NULL argument or empty buffer");
    if (stream != -1) {
        int ret = check_stream_index(d, stream, "mg_demuxer_tag");
        if (ret < 0)
            return ret;
    }
    const AVDictionary *metadata = stream == -1 ? d->fmt->metadata : d->fmt->streams[stream]->metadata;
    if (i < 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_demuxer_tag: tag index %d is negative", i);
    const AVDictionaryEntry *e = NULL;
    for (int n = 0; n <= i; n++) {
        e = av_dict_get(metadata, "", e, AV_DICT_IGNORE_SUFFIX);
        if (!e)
            return MG_EOF;
    }
    *key_len = (int)strlen(e->key);
    *value_len = (int)strlen(e->value);
    av_strlcpy(key, e->key, (size_t)key_size);
    av_strlcpy(value, e->value, (size_t)value_size);
    return MG_OK;
}
