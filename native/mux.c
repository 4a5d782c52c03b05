/* mux.c — mg_muxer: AVFormatContext for output.
 *
 * Options given to mg_muxer_open are offered to the output protocol (avio_open2, when the format writes a file
 * itself) and then to avformat_write_header (format-level and muxer-private options such as movflags,
 * segment_time, hls_time); whatever nobody used by then is an error naming the option. */
#include "internal.h"

#include <math.h>
#include <string.h>

#include <libavutil/avstring.h>
#include <libavutil/common.h>
#include <libavutil/opt.h>

typedef struct mg_chunks mg_chunks;

struct mg_muxer {
    AVFormatContext *fmt;
    AVDictionary *opts;
    int header_written;
    int closed;
    int pb_opened;         /* we opened fmt->pb with avio_open2 */
    AVPacket *tmp;
    char *path;
    int64_t *last_dts;     /* per stream, in the stream's time base: timestamps must keep increasing */
    int64_t fixes;         /* packets whose dts had to be moved forward */
    mg_chunks *chunks;     /* segment and hls outputs: the chunk files they finish (chunks.c-style, below) */
};

/* ---------- chunks of the segment and hls muxers ----------
 * Each chunk file is opened and closed through io_open / io_close2, on the thread that writes packets. When a chunk
 * closes, the packets of each stream the muxer has finished writing (AVStream.nb_frames, counted after each write) minus
 * those of the chunks before are the packets in it; the times of those packets, noted in write order per stream, give
 * its start and duration. A close that holds no new packet is a playlist, a segment list or an init file, not a chunk. */

typedef struct packet_times {
    int64_t *pts, *end;      /* a FIFO, in the stream's time base */
    int head, count, cap;
} packet_times;

typedef struct open_file {
    AVIOContext *pb;
    char *url;
} open_file;

struct mg_chunks {
    int (*io_open)(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags, AVDictionary **options);
    int (*io_close2)(struct AVFormatContext *s, AVIOContext *pb);
    open_file *open;
    int nb_open;
    packet_times *times;     /* per stream */
    int64_t *counted;        /* per stream: packets in the chunks reported so far */
    int nb_streams;
    int reference;           /* the stream whose packets time a chunk: the first video stream, else the first */
    mg_chunk_info *done;     /* a FIFO of finished chunks */
    int done_head, done_count, done_cap;
    int64_t next_index;
    int error;               /* a failure inside a callback, reported by the next write */
    char *lists[4];          /* file names (no folder) of what the muxer writes besides chunks: playlists, lists, init */
};

static int chunks_wanted(const AVOutputFormat *of)
{
    return !strcmp(of->name, "segment") || !strcmp(of->name, "stream_segment") || !strcmp(of->name, "hls");
}

static void chunks_free(mg_chunks **p)
{
    mg_chunks *c = *p;
    if (!c)
        return;
    for (int i = 0; i < c->nb_open; i++)
        av_free(c->open[i].url);
    av_free(c->open);
    for (int i = 0; i < c->nb_streams; i++) {
        av_free(c->times[i].pts);
        av_free(c->times[i].end);
    }
    av_free(c->times);
    av_free(c->counted);
    av_free(c->done);
    for (int i = 0; i < 4; i++)
        av_free(c->lists[i]);
    av_freep(p);
}

static const char *file_name(const char *url)
{
    const char *slash = strrchr(url, '/');
    return slash ? slash + 1 : url;
}

/* True when url is a playlist, segment list or init file of the output rather than a chunk ("x.tmp" as x). The
   segment muxer writes its list before it closes the chunk the list names, so counting packets cannot tell them apart. */
static int is_list(const mg_chunks *c, const char *url)
{
    const char *name = file_name(url);
    size_t len = strlen(name);
    if (len > 4 && !strcmp(name + len - 4, ".tmp"))
        len -= 4;
    for (int i = 0; i < 4; i++)
        if (c->lists[i] && strlen(c->lists[i]) == len && !strncmp(c->lists[i], name, len))
            return 1;
    return 0;
}

/* After the header (the muxer's options are set by then): the names of the files that are not chunks. */
static void chunks_note_lists(struct mg_muxer *m)
{
    mg_chunks *c = m->chunks;
    static const char *const options[] = { "segment_list", "hls_fmp4_init_filename", "master_pl_name" };
    int n = 0;
    c->lists[n++] = av_strdup(file_name(m->path));
    for (size_t i = 0; i < sizeof options / sizeof options[0] && n < 4; i++) {
        uint8_t *value = NULL;
        if (av_opt_get(m->fmt->priv_data, options[i], 0, &value) >= 0 && value && *value)
            c->lists[n++] = av_strdup(file_name((const char *)value));
        av_free(value);
    }
}

static int chunk_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags, AVDictionary **options)
{
    struct mg_muxer *m = s->opaque;
    mg_chunks *c = m->chunks;
    int ret = c->io_open(s, pb, url, flags, options);
    if (ret < 0 || !(flags & AVIO_FLAG_WRITE))
        return ret;
    open_file *grown = av_realloc_array(c->open, c->nb_open + 1, sizeof *grown);
    char *copy = av_strdup(url);
    if (grown)
        c->open = grown;
    if (!grown || !copy) {
        av_free(copy);
        c->error = AVERROR(ENOMEM);
        return ret;   /* the chunk is still written; only its event is lost, and the next write says why */
    }
    c->open[c->nb_open].pb = *pb;
    c->open[c->nb_open].url = copy;
    c->nb_open++;
    return ret;
}

static int64_t chunk_pop(packet_times *t, int64_t n, int64_t *start, int64_t *end)
{
    int64_t popped = 0;
    for (; popped < n && t->count > 0; popped++) {
        int64_t pts = t->pts[t->head], e = t->end[t->head];
        if (pts != AV_NOPTS_VALUE && (*start == AV_NOPTS_VALUE || pts < *start))
            *start = pts;
        if (e != AV_NOPTS_VALUE && (*end == AV_NOPTS_VALUE || e > *end))
            *end = e;
        t->head = (t->head + 1) % t->cap;
        t->count--;
    }
    return popped;
}

static void chunk_closed(struct mg_muxer *m, const char *url)
{
    mg_chunks *c = m->chunks;
    int64_t fresh = 0;
    for (int i = 0; i < c->nb_streams; i++)
        fresh += m->fmt->streams[i]->nb_frames - c->counted[i];
    if (fresh <= 0)
        return;
    if (c->done_count == c->done_cap) {
        int cap = c->done_cap ? c->done_cap * 2 : 8;
        mg_chunk_info *d = av_malloc_array(cap, sizeof *d);
        if (!d) {
            c->error = AVERROR(ENOMEM);
            return;
        }
        for (int i = 0; i < c->done_count; i++)
            d[i] = c->done[(c->done_head + i) % c->done_cap];
        av_free(c->done);
        c->done = d;
        c->done_cap = cap;
        c->done_head = 0;
    }
    mg_chunk_info *info = &c->done[(c->done_head + c->done_count) % c->done_cap];
    memset(info, 0, sizeof *info);
    av_strlcpy(info->path, url, sizeof info->path);
    info->index = c->next_index++;
    double start = NAN, end = NAN;
    for (int i = 0; i < c->nb_streams; i++) {
        AVStream *st = m->fmt->streams[i];
        int64_t n = st->nb_frames - c->counted[i];
        c->counted[i] = st->nb_frames;
        int64_t s0 = AV_NOPTS_VALUE, e0 = AV_NOPTS_VALUE;
        chunk_pop(&c->times[i], n, &s0, &e0);
        info->packets += n;
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && i == c->reference)
            info->frames = n;
        /* The reference stream times the chunk; another stream only when the reference has nothing in it. */
        if (n > 0 && s0 != AV_NOPTS_VALUE && (i == c->reference || isnan(start))) {
            start = s0 * av_q2d(st->time_base);
            end = e0 != AV_NOPTS_VALUE ? e0 * av_q2d(st->time_base) : start;
        }
    }
    info->start = isnan(start) ? 0 : start;
    info->duration = isnan(start) ? 0 : end - start;
    c->done_count++;
}

static int chunk_io_close2(struct AVFormatContext *s, AVIOContext *pb)
{
    struct mg_muxer *m = s->opaque;
    mg_chunks *c = m->chunks;
    char *url = NULL;
    for (int i = 0; i < c->nb_open; i++) {
        if (c->open[i].pb == pb) {
            url = c->open[i].url;
            c->open[i] = c->open[--c->nb_open];
            break;
        }
    }
    int ret = c->io_close2(s, pb);
    if (url && ret >= 0 && !is_list(c, url))
        chunk_closed(m, url);
    av_free(url);
    return ret;
}

static int chunks_install(struct mg_muxer *m)
{
    m->chunks = av_mallocz(sizeof *m->chunks);
    if (!m->chunks)
        return mg_fail(AVERROR(ENOMEM), "mg_muxer_open('%s')", m->path);
    m->chunks->io_open = m->fmt->io_open;
    m->chunks->io_close2 = m->fmt->io_close2;
    m->fmt->io_open = chunk_io_open;
    m->fmt->io_close2 = chunk_io_close2;
    return MG_OK;
}

/* Before the header: one FIFO of packet times per stream. */
static int chunks_begin(struct mg_muxer *m)
{
    mg_chunks *c = m->chunks;
    c->nb_streams = m->fmt->nb_streams;
    c->times = av_calloc(c->nb_streams, sizeof *c->times);
    c->counted = av_calloc(c->nb_streams, sizeof *c->counted);
    if (!c->times || !c->counted)
        return AVERROR(ENOMEM);
    c->reference = 0;
    for (int i = c->nb_streams - 1; i >= 0; i--)
        if (m->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
            c->reference = i;
    return 0;
}

/* Notes a packet's times (in its stream's time base) in the order it is handed to the muxer. */
static int chunks_note_packet(struct mg_muxer *m, const AVPacket *p)
{
    mg_chunks *c = m->chunks;
    if (c->error) {
        int e = c->error;
        c->error = 0;
        return e;
    }
    if (p->stream_index < 0 || p->stream_index >= c->nb_streams)
        return 0;
    packet_times *t = &c->times[p->stream_index];
    if (t->count == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        int64_t *pts = av_malloc_array(cap, sizeof *pts), *end = av_malloc_array(cap, sizeof *end);
        if (!pts || !end) {
            av_free(pts);
            av_free(end);
            return AVERROR(ENOMEM);
        }
        for (int i = 0; i < t->count; i++) {
            pts[i] = t->pts[(t->head + i) % t->cap];
            end[i] = t->end[(t->head + i) % t->cap];
        }
        av_free(t->pts);
        av_free(t->end);
        t->pts = pts;
        t->end = end;
        t->cap = cap;
        t->head = 0;
    }
    int tail = (t->head + t->count) % t->cap;
    t->pts[tail] = p->pts;
    t->end[tail] = p->pts != AV_NOPTS_VALUE ? p->pts + FFMAX(p->duration, 0) : AV_NOPTS_VALUE;
    t->count++;
    return 0;
}

MG_API int mg_muxer_next_chunk(mg_muxer *m, mg_chunk_info *out)
{
    if (!m || !out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_next_chunk: NULL argument");
    mg_chunks *c = m->chunks;
    if (!c || c->done_count == 0)
        return MG_AGAIN;
    *out = c->done[c->done_head];
    c->done_head = (c->done_head + 1) % c->done_cap;
    c->done_count--;
    return MG_OK;
}

static void muxer_close_io(struct mg_muxer *m)
{
    if (m->fmt && m->pb_opened) {
        avio_closep(&m->fmt->pb);
        m->pb_opened = 0;
    }
}

static void muxer_destroy(struct mg_muxer *m)
{
    if (!m)
        return;
    if (!m->closed)
        muxer_close_io(m);
    avformat_free_context(m->fmt);
    av_dict_free(&m->opts);
    av_packet_free(&m->tmp);
    av_free(m->last_dts);
    chunks_free(&m->chunks);
    av_free(m->path);
    av_free(m);
}

MG_API int mg_muxer_open(const char *path, const char *format, const char *options, mg_muxer **out)
{
    mg_log_capture_begin();
    struct mg_muxer *m = NULL;
    int ret;

    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_open: out is NULL");
    *out = NULL;
    if (!path)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_open: path is NULL");
    if (format && !*format)
        format = NULL;
    if (format && !av_guess_format(format, NULL, NULL))
        return mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "unknown output format '%s'", format);

    m = av_mallocz(sizeof(*m));
    if (!m)
        return mg_fail(AVERROR(ENOMEM), "mg_muxer_open");
    m->path = av_strdup(path);
    m->tmp = av_packet_alloc();
    if (!m->path || !m->tmp) {
        ret = mg_fail(AVERROR(ENOMEM), "mg_muxer_open");
        goto fail;
    }

    ret = avformat_alloc_output_context2(&m->fmt, NULL, format, path);
    if (ret < 0 || !m->fmt) {
        if (ret == AVERROR(ENOMEM))
            ret = mg_fail(ret, "mg_muxer_open('%s')", path);
        else if (format)
            ret = mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "unknown output format '%s'", format);
        else
            ret = mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "cannot choose an output format for '%s'", path);
        goto fail;
    }

    ret = mg_parse_options(options, &m->opts);
    if (ret < 0)
        goto fail;
    /* The segment and hls muxers open and close each chunk through these callbacks (and copy opaque into the
       contexts that write them): that is how a finished chunk is seen. */
    m->fmt->opaque = m;
    if (chunks_wanted(m->fmt->oformat)) {
        ret = chunks_install(m);
        if (ret < 0)
            goto fail;
    }

    if (!(m->fmt->oformat->flags & AVFMT_NOFILE)) {
        ret = avio_open2(&m->fmt->pb, path, AVIO_FLAG_WRITE, &m->fmt->interrupt_callback, &m->opts);
        if (ret < 0) {
            ret = mg_fail(ret, "cannot open '%s' for writing", path);
            goto fail;
        }
        m->pb_opened = 1;
    }

    mg_handle_created();
    *out = m;
    return MG_OK;

fail:
    muxer_destroy(m);
    return ret;
}

MG_API void mg_muxer_free(mg_muxer **p)
{
    if (!p || !*p)
        return;
    muxer_destroy(*p);
    *p = NULL;
    mg_handle_destroyed();
}

MG_API int mg_muxer_set_log(mg_muxer *m, mg_log_sink *sink)
{
    return m ? mg_log_bind_format(m->fmt, sink) : MG_OK;
}

MG_API int mg_muxer_needs_global_header(const mg_muxer *m)
{
    return m && m->fmt && (m->fmt->oformat->flags & AVFMT_GLOBALHEADER) ? 1 : 0;
}

MG_API int mg_muxer_add_stream(mg_muxer *m, const mg_codecpar *par, int *out_index)
{
    if (!m || !par || !par->par)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_add_stream: NULL argument");
    if (m->header_written || m->closed)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_add_stream('%s'): the header was already written", m->path);
    AVStream *st = avformat_new_stream(m->fmt, NULL);
    if (!st)
        return mg_fail(AVERROR(ENOMEM), "avformat_new_stream('%s')", m->path);
    int ret = avcodec_parameters_copy(st->codecpar, par->par);
    if (ret < 0)
        return mg_fail(ret, "mg_muxer_add_stream('%s')", m->path);
    /* As fftools 5.1 (init_output_stream_streamcopy, and an encoder's own tag): the tag is kept when the format has
       no tag table, maps it to the same codec, or has no tag for the codec; else the muxer picks its own. A raw
       video stream's tag is what says its pixel format in NUT and AVI. */
    unsigned int tag = st->codecpar->codec_tag, unused;
    const struct AVCodecTag *const *table = m->fmt->oformat->codec_tag;
    if (tag && table && av_codec_get_id(table, tag) != st->codecpar->codec_id &&
        av_codec_get_tag2(table, st->codecpar->codec_id, &unused))
        tag = 0;
    st->codecpar->codec_tag = tag;
    if (par->has_display_matrix) {   /* stream copy keeps the rotation a player must apply */
#if LIBAVFORMAT_VERSION_MAJOR >= 61 || (LIBAVFORMAT_VERSION_MAJOR == 60 && LIBAVFORMAT_VERSION_MINOR >= 15)
        AVPacketSideData *sd = av_packet_side_data_new(&st->codecpar->coded_side_data, &st->codecpar->nb_coded_side_data,
                                                       AV_PKT_DATA_DISPLAYMATRIX, sizeof(par->display_matrix), 0);
        uint8_t *data = sd ? sd->data : NULL;
#else
        uint8_t *data = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, sizeof(par->display_matrix));
#endif
        if (!data)
            return mg_fail(AVERROR(ENOMEM), "mg_muxer_add_stream('%s')", m->path);
        memcpy(data, par->display_matrix, sizeof(par->display_matrix));
    }
    if (par->time_base.num > 0 && par->time_base.den > 0)
        st->time_base = par->time_base;   /* a hint: the muxer may choose another at write_header */
    if (par->frame_rate.num > 0 && par->frame_rate.den > 0)
        st->avg_frame_rate = par->frame_rate;
    if (out_index)
        *out_index = st->index;
    return MG_OK;
}

MG_API int mg_muxer_write_header(mg_muxer *m)
{
    mg_log_capture_begin();
    char component[160];
    int ret;

    if (!m)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write_header: muxer is NULL");
    if (m->header_written || m->closed)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write_header('%s'): the header was already written", m->path);
    if (m->fmt->nb_streams == 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write_header('%s'): no streams", m->path);
    if (m->chunks && (ret = chunks_begin(m)) < 0)
        return mg_fail(ret, "writing header of '%s'", m->path);
    ret = avformat_write_header(m->fmt, &m->opts);
    if (ret < 0)
        return mg_fail(ret, "writing header of '%s'", m->path);
    if (m->chunks)
        chunks_note_lists(m);
    m->header_written = 1;
    m->last_dts = av_malloc_array(m->fmt->nb_streams, sizeof(*m->last_dts));
    if (!m->last_dts)
        return mg_fail(AVERROR(ENOMEM), "writing header of '%s'", m->path);
    for (unsigned i = 0; i < m->fmt->nb_streams; i++)
        m->last_dts[i] = AV_NOPTS_VALUE;
    snprintf(component, sizeof(component), "muxer %s", m->fmt->oformat->name);
    ret = mg_check_unused_options(m->opts, component);
    av_dict_free(&m->opts);
    return ret < 0 ? ret : MG_OK;
}

/* As the ffmpeg CLI does before muxing: a packet without dts takes its pts; a dts that does not increase (damaged
   input, joined files, rounding into a coarser time base) is moved just past the previous one, and pts with it. */
static void fix_timestamps(struct mg_muxer *m, AVPacket *p, int stream_index)
{
    int64_t *last = &m->last_dts[stream_index];
    if (p->dts == AV_NOPTS_VALUE)
        p->dts = p->pts;
    if (p->dts != AV_NOPTS_VALUE && *last != AV_NOPTS_VALUE) {
        int64_t min = *last + !(m->fmt->oformat->flags & AVFMT_TS_NONSTRICT);
        if (p->dts < min) {
            if (p->pts != AV_NOPTS_VALUE && p->pts < min)
                p->pts = min;
            p->dts = min;
            m->fixes++;
        }
    }
    if (p->pts == AV_NOPTS_VALUE)
        p->pts = p->dts;
    if (p->dts != AV_NOPTS_VALUE)
        *last = p->dts;
}

MG_API int64_t mg_muxer_timestamp_fixes(const mg_muxer *m)
{
    return m ? m->fixes : 0;
}

MG_API int mg_muxer_write(mg_muxer *m, const mg_packet *pkt, int stream_index, int tb_num, int tb_den)
{
    if (!m || !pkt)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write: NULL argument");
    if (!m->header_written || m->closed)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write('%s'): %s", m->path,
                       m->closed ? "the muxer is closed" : "the header was not written");
    if (stream_index < 0 || (unsigned)stream_index >= m->fmt->nb_streams)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write('%s'): no stream %d", m->path, stream_index);
    if (tb_num <= 0 || tb_den <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_write('%s'): invalid time base %d/%d", m->path, tb_num, tb_den);
    AVStream *st = m->fmt->streams[stream_index];
    int ret = av_packet_ref(m->tmp, MG_PKT(pkt));
    if (ret < 0)
        return mg_fail(ret, "mg_muxer_write('%s')", m->path);
    av_packet_rescale_ts(m->tmp, av_make_q(tb_num, tb_den), st->time_base);
    m->tmp->stream_index = stream_index;
    m->tmp->time_base = st->time_base;
    m->tmp->pos = -1;
    fix_timestamps(m, m->tmp, stream_index);
    if (m->chunks && (ret = chunks_note_packet(m, m->tmp)) < 0) {
        av_packet_unref(m->tmp);
        return mg_fail(ret, "writing a packet of stream %d to '%s'", stream_index, m->path);
    }
    ret = av_interleaved_write_frame(m->fmt, m->tmp);
    av_packet_unref(m->tmp);
    if (ret < 0)
        return mg_fail(ret, "writing a packet of stream %d to '%s'", stream_index, m->path);
    return MG_OK;
}

MG_API int mg_muxer_close(mg_muxer *m)
{
    int ret = 0;

    if (!m)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_close: muxer is NULL");
    if (m->closed)
        return MG_OK;
    m->closed = 1;
    if (m->header_written) {
        int r = av_interleaved_write_frame(m->fmt, NULL);
        ret = av_write_trailer(m->fmt);
        if (ret >= 0 && r < 0)
            ret = r;
    }
    if (m->pb_opened) {
        int r = avio_closep(&m->fmt->pb);
        m->pb_opened = 0;
        if (ret >= 0 && r < 0)
            ret = r;
    }
    if (ret < 0)
        return mg_fail(ret, "writing trailer of '%s'", m->path);
    return MG_OK;
}

/* ---------- default codecs (what the ffmpeg CLI picks without -c) ---------- */

/* As fftools' open_output_file: avformat_alloc_output_context2(NULL, format, path) guesses the format. */
static int guess_output_format(const char *format, const char *path, const AVOutputFormat **out)
{
    *out = format && *format ? av_guess_format(format, NULL, NULL) : av_guess_format(NULL, path, NULL);
    if (*out)
        return MG_OK;
    return format && *format
               ? mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "unknown output format '%s' (run `ffmpeg -muxers` for the list)", format)
               : mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "cannot guess output format from '%s'; name one", path ? path : "");
}

MG_API int mg_muxer_default_codec(const char *format, const char *path, int media_type, char *codec, int codec_size,
                                  char *encoder, int encoder_size)
{
    if (!codec || codec_size <= 0 || !encoder || encoder_size <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_default_codec: no output buffer");
    codec[0] = encoder[0] = '\0';
    if (media_type != MG_MEDIA_VIDEO && media_type != MG_MEDIA_AUDIO)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_default_codec: media type %d is neither video nor audio", media_type);
    const AVOutputFormat *of;
    int ret = guess_output_format(format, path, &of);
    if (ret < 0)
        return ret;
    /* As fftools' choose_encoder: av_guess_codec, then the codec id's default encoder. */
    enum AVCodecID id = av_guess_codec(of, NULL, path, NULL, (enum AVMediaType)media_type);
    if (id == AV_CODEC_ID_NONE)
        return MG_OK;
    /* As fftools' open_output_file: a format whose video is cover art (mp3's ID3 APIC) takes no ordinary video. */
    if (media_type == MG_MEDIA_VIDEO && avformat_query_codec(of, of->video_codec, 0) == MKTAG('A', 'P', 'I', 'C'))
        return MG_OK;
    av_strlcpy(codec, avcodec_get_name(id), codec_size);
    const AVCodec *enc = avcodec_find_encoder(id);
    if (enc)
        av_strlcpy(encoder, enc->name, encoder_size);
    return MG_OK;
}

MG_API int mg_muxer_timing_flags(const char *format, const char *path, int *variable_fps, int *no_timestamps,
                                 char *name, int name_size)
{
    if (!variable_fps || !no_timestamps || !name || name_size <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_muxer_timing_flags: null argument");
    const AVOutputFormat *of;
    int ret = guess_output_format(format, path, &of);
    if (ret < 0)
        return ret;
    *variable_fps = (of->flags & AVFMT_VARIABLE_FPS) ? 1 : 0;
    *no_timestamps = (of->flags & AVFMT_NOTIMESTAMPS) ? 1 : 0;
    av_strlcpy(name, of->name, name_size);
    return MG_OK;
}
