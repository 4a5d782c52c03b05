/* expr.c — FFmpeg's expression evaluator (libavutil/eval.h), the one filter options such as overlay's x and y use,
   so positions written as expressions mean exactly what they mean on the ffmpeg command line. */
#include "internal.h"
#include <libavutil/eval.h>
#include <libavutil/mem.h>
#include <string.h>

#define MG_EXPR_MAX_NAMES 64

struct mg_expr {
    AVExpr *expr;
};

int mg_expr_parse(const char *text, const char *names, mg_expr **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_expr_parse: no output pointer");
    *out = NULL;
    if (!text)
        return mg_fail_msg(AVERROR(EINVAL), "mg_expr_parse: no expression");

    /* names: "main_w\nW\n..." split in a copy; av_expr_parse resolves names to indices while parsing. */
    char *copy = av_strdup(names ? names : "");
    if (!copy)
        return mg_fail(AVERROR(ENOMEM), "mg_expr_parse");
    const char *list[MG_EXPR_MAX_NAMES + 1];
    int n = 0;
    for (char *p = copy; *p && n < MG_EXPR_MAX_NAMES;) {
        list[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    list[n] = NULL;

    mg_expr *e = av_mallocz(sizeof *e);
    if (!e) {
        av_free(copy);
        return mg_fail(AVERROR(ENOMEM), "mg_expr_parse");
    }
    mg_log_capture_begin();   /* FFmpeg logs where parsing stopped; mg_fail quotes that line */
    int ret = av_expr_parse(&e->expr, text, list, NULL, NULL, NULL, NULL, 0, NULL);
    av_free(copy);
    if (ret < 0) {
        av_free(e);
        return mg_fail(ret, "expression '%s'", text);
    }
    mg_handle_created();
    *out = e;
    return MG_OK;
}

double mg_expr_eval(mg_expr *e, const double *values)
{
    return e && e->expr ? av_expr_eval(e->expr, values, NULL) : NAN;
}

void mg_expr_free(mg_expr **p)
{
    if (!p || !*p)
        return;
    av_expr_free((*p)->expr);
    av_freep(p);
    mg_handle_destroyed();
}
