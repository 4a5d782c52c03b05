/* util.c — errors, the live-handle counter, version info, name look-ups, option strings, codec parameters. */
#include "internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/avstring.h>
#include <libavutil/channel_layout.h>
#include <libavutil/parseutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>

/* The only two pieces of mutable global state (see mediagraph.h). */
static _Thread_local char last_error[1024];
static atomic_llong live_handles;
/* FFmpeg's first error-level log line on this thread since the operation began, from a context no log sink owns (log.c): often the real reason ("moov atom not found") behind a bare
   AVERROR_INVALIDDATA. Cleared when an operation begins, appended to the message when it fails. */
static _Thread_local char last_log[512];

/* ---------- errors ---------- */

static void set_message_v(const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
}

int mg_fail(int code, const char *what_fmt, ...)
{
    va_list ap;
    va_start(ap, what_fmt);
    set_message_v(what_fmt, ap);
    va_end(ap);

    char text[AV_ERROR_MAX_STRING_SIZE];
    av_strerror(code, text, sizeof text);
    size_t len = strlen(last_error);
    if (last_log[0] && !strstr(text, last_log))
        snprintf(last_error + len, sizeof last_error - len, ": %s (%s)", text, last_log);
    else
        snprintf(last_error + len, sizeof last_error - len, ": %s", text);
    last_log[0] = '\0';
    return code;
}

void mg_log_capture_begin(void)
{
    last_log[0] = '\0';
}

/* log.c: an error line of a context no sink owns, logged on this thread; the first one since the operation began is
   kept for mg_fail. */
void mg_log_note_unowned_error(const char *text)
{
    if (last_log[0])   /* the first error is the cause; later ones are consequences */
        return;
    av_strlcpy(last_log, text, sizeof last_log);
    size_t n = strlen(last_log);
    while (n > 0 && (last_log[n - 1] == '\n' || last_log[n - 1] == '\r' || last_log[n - 1] == ' '))
        last_log[--n] = '\0';
}

int mg_fail_msg(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message_v(fmt, ap);
    va_end(ap);
    return code;
}

void mg_clear_error(void)
{
    last_error[0] = '\0';
}

const char *mg_last_error(void)
{
    return last_error;
}

void mg_error_string(int code, char *buf, int buf_size)
{
    if (!buf || buf_size <= 0)
        return;
    /* The non-negative states are not AVERROR codes; av_strerror would call them "Error number N occurred". */
    if (code == MG_OK)
        av_strlcpy(buf, "Success", buf_size);
    else if (code == MG_EOF)
        av_strlcpy(buf, "End of stream", buf_size);
    else if (code == MG_AGAIN)
        av_strlcpy(buf, "Resource temporarily unavailable (try again)", buf_size);
    else
        av_strerror(code, buf, buf_size);
}

/* ---------- live handles ---------- */

void mg_handle_created(void)
{
    atomic_fetch_add(&live_handles, 1);
}

void mg_handle_destroyed(void)
{
    atomic_fetch_sub(&live_handles, 1);
}

int64_t mg_live_handles(void)
{
    return (int64_t)atomic_load(&live_handles);
}

/* ---------- versions, logging ---------- */

static unsigned runtime_version(int which)
{
    switch (which) {
    case 0: return avutil_version();
    case 1: return avcodec_version();
    case 2: return avformat_version();
    case 3: return avfilter_version();
    case 4: return swscale_version();
    case 5: return swresample_version();
    }
    return 0;
}

static unsigned compiled_version(int which)
{
    switch (which) {
    case 0: return LIBAVUTIL_VERSION_INT;
    case 1: return LIBAVCODEC_VERSION_INT;
    case 2: return LIBAVFORMAT_VERSION_INT;
    case 3: return LIBAVFILTER_VERSION_INT;
    case 4: return LIBSWSCALE_VERSION_INT;
    case 5: return LIBSWRESAMPLE_VERSION_INT;
    }
    return 0;
}

int mg_library_version(int which, int compiled, unsigned *out_version)
{
    if (which < 0 || which > 5 || !out_version)
        return mg_fail_msg(AVERROR(EINVAL), "mg_library_version: library index %d out of range 0..5", which);
    *out_version = compiled ? compiled_version(which) : runtime_version(which);
    return MG_OK;
}

/* Built once (pthread_once) and never changed afterwards, so it is not mutable state in practice. */
static char version_info[512];
static pthread_once_t version_once = PTHREAD_ONCE_INIT;

static void build_version_info(void)
{
    static const char *const names[6] = {
        "libavutil", "libavcodec", "libavformat", "libavfilter", "libswscale", "libswresample"
    };
    /* Order as documented: libavformat, libavcodec, ... */
    static const int order[6] = { 2, 1, 3, 0, 4, 5 };
    size_t len = 0;
    for (int i = 0; i < 6; i++) {
        unsigned v = runtime_version(order[i]);
        len += snprintf(version_info + len, sizeof version_info - len, "%s%s %u.%u.%u",
                        i ? ", " : "", names[order[i]], AV_VERSION_MAJOR(v), AV_VERSION_MINOR(v),
                        AV_VERSION_MICRO(v));
        if (len >= sizeof version_info)
            break;
    }
}

const char *mg_version_info(void)
{
    pthread_once(&version_once, build_version_info);
    return version_info;
}

/* ---------- names ---------- */

int mg_pix_fmt_from_name(const char *name)
{
    return name ? (int)av_get_pix_fmt(name) : -1;
}

const char *mg_pix_fmt_name(int pix_fmt)
{
    return av_get_pix_fmt_name((enum AVPixelFormat)pix_fmt);   /* NULL when out of range */
}

int mg_sample_fmt_from_name(const char *name)
{
    return name ? (int)av_get_sample_fmt(name) : -1;
}

const char *mg_sample_fmt_name(int sample_fmt)
{
    return av_get_sample_fmt_name((enum AVSampleFormat)sample_fmt);   /* NULL when out of range */
}

int mg_sample_fmt_layout(int sample_fmt, int *out_bytes_per_sample, int *out_planar)
{
    if (!out_bytes_per_sample || !out_planar) return AVERROR(EINVAL);
    if (!av_get_sample_fmt_name((enum AVSampleFormat)sample_fmt)) return mg_fail(AVERROR(EINVAL), "unknown sample format %d", sample_fmt);
    *out_bytes_per_sample = av_get_bytes_per_sample((enum AVSampleFormat)sample_fmt);
    *out_planar = av_sample_fmt_is_planar((enum AVSampleFormat)sample_fmt);
    return MG_OK;
}

int mg_codec_find(const char *name, int is_encoder, int *out_media_type)
{
    const char *kind = is_encoder ? "encoder" : "decoder";
    int code = is_encoder ? AVERROR_ENCODER_NOT_FOUND : AVERROR_DECODER_NOT_FOUND;
    if (!name || !*name)
        return mg_fail_msg(code, "no %s name given", kind);
    const AVCodec *c = is_encoder ? avcodec_find_encoder_by_name(name) : avcodec_find_decoder_by_name(name);
    if (!c)
        return mg_fail_msg(code, "unknown %s '%s' (run `ffmpeg -%ss` for the list)", kind, name, kind);
    if (out_media_type)
        *out_media_type = c->type;
    return MG_OK;
}

int mg_codec_encoder_frame_rate(const char *name, int *num, int *den)
{
    if (!name || !num || !den || *num <= 0 || *den <= 0)
        return AVERROR(EINVAL);
    const AVCodec *c = avcodec_find_encoder_by_name(name);
    if (!c)
        return AVERROR_ENCODER_NOT_FOUND;
    AVRational r = av_make_q(*num, *den);
    /* As fftools 5.1 (init_output_stream_encode): the nearest rate an encoder supports, when it lists them ... */
    if (c->supported_framerates)
        r = c->supported_framerates[av_find_nearest_q_idx(r, c->supported_framerates)];
    /* ... and MPEG-4 Part 2 within its 16-bit time base. */
    if (c->id == AV_CODEC_ID_MPEG4)
        av_reduce(&r.num, &r.den, r.num, r.den, 65535);
    *num = r.num;
    *den = r.den;
    return MG_OK;
}

int mg_format_find(const char *name, int is_output)
{
    const char *kind = is_output ? "output" : "input";
    int code = is_output ? AVERROR_MUXER_NOT_FOUND : AVERROR_DEMUXER_NOT_FOUND;
    if (!name || !*name)
        return mg_fail_msg(code, "no %s format name given", kind);
    const void *f = is_output ? (const void *)av_guess_format(name, NULL, NULL)
                              : (const void *)av_find_input_format(name);
    if (!f)
        return mg_fail_msg(code, "unknown %s format '%s' (run `ffmpeg -%s` for the list)", kind, name,
                           is_output ? "muxers" : "demuxers");
    return MG_OK;
}

int mg_format_guess(const char *path, const char *format, char *buf, int buf_size)
{
    if (!buf || buf_size <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_format_guess: no output buffer");
    buf[0] = '\0';
    const AVOutputFormat *of;
    if (format && *format) {
        /* A named format must exist by itself: av_guess_format(name, path) would otherwise quietly fall back to
           the extension. */
        of = av_guess_format(format, NULL, NULL);
        if (!of)
            return mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "unknown output format '%s' (run `ffmpeg -muxers` for the list)",
                               format);
    } else {
        of = av_guess_format(NULL, path, NULL);
        if (!of)
            return mg_fail_msg(AVERROR_MUXER_NOT_FOUND, "cannot guess output format from '%s'; name one",
                               path ? path : "");
    }
    if (av_strlcpy(buf, of->name, buf_size) >= (size_t)buf_size)
        return mg_fail_msg(AVERROR(ERANGE), "mg_format_guess: buffer too small for '%s'", of->name);
    return MG_OK;
}

int mg_filter_find(const char *name)
{
    if (!name || !avfilter_get_by_name(name))
        return mg_fail_msg(AVERROR_FILTER_NOT_FOUND, "unknown filter '%s' (run `ffmpeg -filters` for the list)",
                           name ? name : "");
    return MG_OK;
}

/* ---------- option strings ---------- */

/* Parses "key=value" lines. We split by hand rather than with av_dict_parse_string because that one runs values
   through av_get_token, which eats backslashes and quotes (Windows paths, filter expressions) and rejects empty
   lines. Here: lines split on '\n', a trailing '\r' dropped, blank lines skipped, the key trimmed of spaces, the
   value taken verbatim after the first '='. On failure *dict is freed. */
int mg_parse_options(const char *options, AVDictionary **dict)
{
    if (!options)
        return MG_OK;
    const char *p = options;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *next = end ? end + 1 : p + len;
        if (len > 0 && p[len - 1] == '\r')
            len--;

        /* Skip blank lines. */
        size_t lead = 0;
        while (lead < len && (p[lead] == ' ' || p[lead] == '\t'))
            lead++;
        if (lead == len) {
            p = next;
            continue;
        }

        const char *eq = memchr(p, '=', len);
        if (!eq) {
            mg_fail_msg(AVERROR(EINVAL), "options: expected key=value, got '%.*s'", (int)len, p);
            av_dict_free(dict);
            return AVERROR(EINVAL);
        }
        const char *k0 = p + lead, *k1 = eq;
        while (k1 > k0 && (k1[-1] == ' ' || k1[-1] == '\t'))
            k1--;
        if (k1 == k0) {
            mg_fail_msg(AVERROR(EINVAL), "options: empty key in '%.*s'", (int)len, p);
            av_dict_free(dict);
            return AVERROR(EINVAL);
        }
        char *key = av_strndup(k0, k1 - k0);
        char *val = av_strndup(eq + 1, p + len - (eq + 1));
        if (!key || !val) {
            av_free(key);
            av_free(val);
            av_dict_free(dict);
            return mg_fail(AVERROR(ENOMEM), "options");
        }
        int ret = av_dict_set(dict, key, val, AV_DICT_DONT_STRDUP_KEY | AV_DICT_DONT_STRDUP_VAL);
        if (ret < 0) {
            av_dict_free(dict);
            return mg_fail(ret, "options");
        }
        p = next;
    }
    return MG_OK;
}

int mg_check_unused_options(AVDictionary *dict, const char *component)
{
    const AVDictionaryEntry *e = av_dict_get(dict, "", NULL, AV_DICT_IGNORE_SUFFIX);
    if (e)
        return mg_fail_msg(AVERROR_OPTION_NOT_FOUND, "%s: unknown option '%s'", component ? component : "options",
                           e->key);
    return MG_OK;
}

/* ---------- codec parameters ---------- */

int mg_codecpar_create(const AVCodecParameters *src, AVRational tb, AVRational fr, mg_codecpar **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_codecpar_create: no output pointer");
    *out = NULL;
    mg_codecpar *cp = av_mallocz(sizeof *cp);
    if (!cp)
        return mg_fail(AVERROR(ENOMEM), "codec parameters");
    cp->par = avcodec_parameters_alloc();
    if (!cp->par) {
        av_free(cp);
        return mg_fail(AVERROR(ENOMEM), "codec parameters");
    }
    if (src) {
        int ret = avcodec_parameters_copy(cp->par, src);
        if (ret < 0) {
            avcodec_parameters_free(&cp->par);
            av_free(cp);
            return mg_fail(ret, "avcodec_parameters_copy");
        }
    }
    cp->time_base = tb;
    cp->frame_rate = fr;
    cp->guessed_frame_rate = fr;
    mg_handle_created();
    *out = cp;
    return MG_OK;
}

void mg_codecpar_free(mg_codecpar **p)
{
    if (!p || !*p)
        return;
    avcodec_parameters_free(&(*p)->par);
    av_freep(p);
    mg_handle_destroyed();
}

void mg_fill_stream_info(mg_stream_info *out, const AVCodecParameters *par, AVRational tb, AVRational fr)
{
    memset(out, 0, sizeof *out);
    out->media_type = par->codec_type;
    out->pix_fmt = -1;
    out->sample_fmt = -1;
    out->sar_num = 0;
    out->sar_den = 1;
    if (par->codec_id != AV_CODEC_ID_NONE)
        av_strlcpy(out->codec_name, avcodec_get_name(par->codec_id), sizeof out->codec_name);

    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
        out->width = par->width;
        out->height = par->height;
        out->pix_fmt = par->format;
        if (par->sample_aspect_ratio.num > 0 && par->sample_aspect_ratio.den > 0) {
            out->sar_num = par->sample_aspect_ratio.num;
            out->sar_den = par->sample_aspect_ratio.den;
        }
        out->field_order = par->field_order;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
        out->sample_rate = par->sample_rate;
        out->sample_fmt = par->format;
        /* ch_layout exists from FFmpeg 5.1 on (the old channels/channel_layout fields are gone in 7.0). */
        out->channels = par->ch_layout.nb_channels;
        if (par->ch_layout.order == AV_CHANNEL_ORDER_NATIVE)
            out->channel_mask = par->ch_layout.u.mask;
    }

    out->tb_num = tb.num;
    out->tb_den = tb.den;
    if (fr.num > 0 && fr.den > 0) {
        out->fr_num = fr.num;
        out->fr_den = fr.den;
        out->guess_fr_num = fr.num;
        out->guess_fr_den = fr.den;
    }
    out->start_time = MG_NOPTS;
    out->duration = MG_NOPTS;
    out->nb_frames = 0;
    out->bit_rate = par->bit_rate;
}

int mg_parse_video_rate(const char *text, int *num, int *den)
{
    if (!text || !num || !den)
        return mg_fail_msg(AVERROR(EINVAL), "mg_parse_video_rate: null argument");
    AVRational rate;
    if (av_parse_video_rate(&rate, text) < 0 || rate.num <= 0 || rate.den <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "'%s' is not a frame rate: give one such as 25, 30000/1001, 29.97 or ntsc", text);
    *num = rate.num;
    *den = rate.den;
    return MG_OK;
}
