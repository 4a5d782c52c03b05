/* codecpar.c — describing codec parameter handles. */
#include "internal.h"
#include <libavutil/opt.h>
#include <string.h>

int mg_codecpar_info(const mg_codecpar *p, mg_stream_info *out)
{
    if (!p || !out)
        return mg_fail(AVERROR(EINVAL), "mg_codecpar_info: null argument");
    memset(out, 0, sizeof(*out));
    mg_fill_stream_info(out, p->par, p->time_base, p->frame_rate);
    out->index = -1;
    if (p->guessed_frame_rate.num > 0 && p->guessed_frame_rate.den > 0) {
        out->guess_fr_num = p->guessed_frame_rate.num;
        out->guess_fr_den = p->guessed_frame_rate.den;
    }
    return MG_OK;
}

int mg_format_needs_global_header(const char *format)
{
    const AVOutputFormat *of = format ? av_guess_format(format, NULL, NULL) : NULL;
    if (!of)
        return mg_fail(AVERROR_MUXER_NOT_FOUND, "unknown output format '%s'", format ? format : "(null)");
    return (of->flags & AVFMT_GLOBALHEADER) ? 1 : 0;
}

int mg_format_option_exists(const char *format, const char *key)
{
    const AVOutputFormat *of = format ? av_guess_format(format, NULL, NULL) : NULL;
    if (!of || !key)
        return 0;
    const AVClass *generic = avformat_get_class();
    if (av_opt_find((void *)&generic, key, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ))
        return 1;
    if (of->priv_class && av_opt_find((void *)&of->priv_class, key, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ))
        return 1;
    const AVClass *file = avio_protocol_get_class("file");
    return file && av_opt_find((void *)&file, key, NULL, 0, AV_OPT_SEARCH_FAKE_OBJ) ? 1 : 0;
}
