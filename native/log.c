/* log.c — FFmpeg's log, routed to the object that caused it.
 *
 * av_log's callback is process-wide and FFmpeg calls it from its own threads too (frame and slice threads of
 * decoders and encoders, filter threads). So a line is tied to its owner by the context it was logged with, not by
 * the thread: a context bound to a sink (mg_log_bind_*) is looked up in a small registry, following
 *   - an AVCodecContext's opaque (frame-thread copies of a decoder's context carry the opaque of the one we opened),
 *   - an AVFormatContext's opaque (the segment and hls muxers copy it into the contexts that write each chunk),
 *   - an AVFilterContext's graph,
 *   - AVClass.parent_log_context_offset (a context that says whose child it is).
 * The line is formatted on the logging thread, then appended under one short lock to that sink's ring, which the
 * managed side drains between items: nothing here calls back into managed code, so no FFmpeg thread ever waits on it.
 * A sink also keeps the first error line since it was last asked, so a failing call quotes its own context's reason.
 * Lines of contexts nobody bound (an input being opened, a probe) keep the old behaviour: the first error line on the
 * thread is remembered for mg_fail, and FFmpeg's default printer shows what mg_set_log_level lets through. */
#include "internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/avstring.h>

#define RING 128
#define TEXT 400
#define ITEM 48

typedef struct log_line {
    int level;
    char item[ITEM];
    char text[TEXT];
} log_line;

struct mg_log_sink {
    /* Read by managed code without a call (see mediagraph.h): keep these two first. */
    atomic_int pending;       /* lines in the ring */
    atomic_int has_error;     /* error[] holds a line */
    int level;                /* the most verbose AV_LOG_* level kept */
    int head;                 /* index of the oldest line */
    int64_t dropped;          /* lines lost because the ring was full */
    char error[TEXT];         /* the first error-level line since mg_log_sink_take_error */
    log_line partial;         /* a line FFmpeg is still writing (no '\n' yet) */
    log_line lines[RING];
};

typedef struct binding {
    const void *key;
    mg_log_sink *sink;
} binding;

/* The registry and every ring are guarded by one mutex; it is held only to copy a formatted line. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static binding *bindings;
static int nb_bindings, cap_bindings;
/* The most verbose level any live sink wants (at least AV_LOG_ERROR, for the reasons mg_fail quotes). */
static atomic_int threshold = AV_LOG_ERROR;
/* Level for FFmpeg's default printer (stderr), for lines nobody owns: mg_set_log_level. */
static atomic_int print_level = AV_LOG_INFO;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void log_callback(void *avcl, int level, const char *fmt, va_list vl);

static void install(void)
{
    av_log_set_callback(log_callback);
}

static void recompute_threshold_locked(void)
{
    /* Only bound sinks receive lines, so only they count. */
    int t = AV_LOG_ERROR;
    for (int i = 0; i < nb_bindings; i++)
        if (bindings[i].sink->level > t)
            t = bindings[i].sink->level;
    if (atomic_load(&print_level) > t)
        t = atomic_load(&print_level);
    atomic_store(&threshold, t);
}

/* ---------- owner look-up ---------- */

static mg_log_sink *find_locked(const void *key)
{
    if (!key)
        return NULL;
    for (int i = 0; i < nb_bindings; i++)
        if (bindings[i].key == key)
            return bindings[i].sink;
    return NULL;
}

/* The registry key a context stands for (see the top of this file). */
static const void *key_of(void *avcl)
{
    const AVClass *cls = *(const AVClass **)avcl;
    if (cls == avcodec_get_class()) {
        AVCodecContext *c = avcl;
        return c->opaque ? c->opaque : avcl;
    }
    if (cls == avformat_get_class()) {
        AVFormatContext *s = avcl;
        return s->opaque ? s->opaque : avcl;
    }
    if (cls == avfilter_get_class())
        return ((AVFilterContext *)avcl)->graph;
    return avcl;
}

static mg_log_sink *owner_locked(void *avcl)
{
    for (int hop = 0; avcl && hop < 4; hop++) {
        const AVClass *cls = *(const AVClass **)avcl;
        if (!cls)
            return NULL;
        mg_log_sink *s = find_locked(key_of(avcl));
        if (s)
            return s;
        if (cls->parent_log_context_offset <= 0)
            return NULL;
        avcl = *(void **)((uint8_t *)avcl + cls->parent_log_context_offset);
    }
    return NULL;
}

/* ---------- the callback ---------- */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static void push_locked(mg_log_sink *s, int level, const char *item, const char *text)
{
    if (level <= AV_LOG_ERROR && !atomic_load(&s->has_error)) {
        av_strlcpy(s->error, text, sizeof s->error);
        atomic_store(&s->has_error, 1);
    }
    if (level > s->level || !*text)
        return;
    int n = atomic_load(&s->pending);
    if (n == RING) {
        s->dropped++;
        return;
    }
    log_line *l = &s->lines[(s->head + n) % RING];
    l->level = level;
    av_strlcpy(l->item, item, sizeof l->item);
    av_strlcpy(l->text, text, sizeof l->text);
    atomic_store(&s->pending, n + 1);
}

static void log_callback(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level > atomic_load(&threshold))
        return;
    char text[TEXT];
    va_list copy;
    va_copy(copy, vl);
    int written = vsnprintf(text, sizeof text, fmt, copy);
    va_end(copy);
    size_t len = strlen(text);
    /* A line longer than the buffer lost its newline: it is complete all the same. */
    int complete = written >= (int)sizeof text || (len > 0 && text[len - 1] == '\n');
    const AVClass *cls = avcl ? *(const AVClass **)avcl : NULL;
    const char *item = cls && cls->item_name ? cls->item_name(avcl) : "";

    pthread_mutex_lock(&lock);
    mg_log_sink *s = avcl ? owner_locked(avcl) : NULL;
    if (s) {
        /* FFmpeg writes some lines in pieces: gather them until the newline. */
        log_line *p = &s->partial;
        if (p->text[0] || !complete) {
            if (!p->text[0]) {
                p->level = level;
                av_strlcpy(p->item, item ? item : "", sizeof p->item);
            }
            av_strlcat(p->text, text, sizeof p->text);
            if (complete) {
                trim(p->text);
                push_locked(s, p->level, p->item, p->text);
                p->text[0] = '\0';
            }
        } else {
            trim(text);
            push_locked(s, level, item ? item : "", text);
        }
    }
    pthread_mutex_unlock(&lock);
    if (s)
        return;
    if (level <= AV_LOG_ERROR)
        mg_log_note_unowned_error(text);
    if (level <= atomic_load(&print_level))
        av_log_default_callback(avcl, level, fmt, vl);
}

/* ---------- sinks ---------- */

int mg_log_sink_create(int level, mg_log_sink **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_log_sink_create: no output pointer");
    *out = NULL;
    pthread_once(&install_once, install);
    mg_log_sink *s = av_mallocz(sizeof *s);
    if (!s)
        return mg_fail(AVERROR(ENOMEM), "mg_log_sink_create");
    s->level = level;
    pthread_mutex_lock(&lock);
    if (level > atomic_load(&threshold))
        atomic_store(&threshold, level);
    pthread_mutex_unlock(&lock);
    mg_handle_created();
    *out = s;
    return MG_OK;
}

void mg_log_sink_free(mg_log_sink **p)
{
    if (!p || !*p)
        return;
    mg_log_sink *s = *p;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nb_bindings;) {
        if (bindings[i].sink == s)
            bindings[i] = bindings[--nb_bindings];
        else
            i++;
    }
    recompute_threshold_locked();
    pthread_mutex_unlock(&lock);
    av_freep(p);
    mg_handle_destroyed();
}

int mg_log_sink_read(mg_log_sink *s, int *level, char *item, int item_size, char *text, int text_size)
{
    if (!s || !level || !item || item_size <= 0 || !text || text_size <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_log_sink_read: NULL argument");
    pthread_mutex_lock(&lock);
    int n = atomic_load(&s->pending);
    if (n == 0) {
        pthread_mutex_unlock(&lock);
        return MG_AGAIN;
    }
    log_line *l = &s->lines[s->head];
    *level = l->level;
    av_strlcpy(item, l->item, item_size);
    av_strlcpy(text, l->text, text_size);
    s->head = (s->head + 1) % RING;
    atomic_store(&s->pending, n - 1);
    pthread_mutex_unlock(&lock);
    return MG_OK;
}

int64_t mg_log_sink_take_dropped(mg_log_sink *s)
{
    if (!s)
        return 0;
    pthread_mutex_lock(&lock);
    int64_t n = s->dropped;
    s->dropped = 0;
    pthread_mutex_unlock(&lock);
    return n;
}

int mg_log_sink_take_error(mg_log_sink *s, char *buf, int buf_size)
{
    if (!s || !buf || buf_size <= 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_log_sink_take_error: NULL argument");
    buf[0] = '\0';
    pthread_mutex_lock(&lock);
    int had = atomic_load(&s->has_error);
    if (had)
        av_strlcpy(buf, s->error, buf_size);
    s->error[0] = '\0';
    atomic_store(&s->has_error, 0);
    pthread_mutex_unlock(&lock);
    return had ? MG_OK : MG_AGAIN;
}

/* ---------- binding ---------- */

int mg_log_bind_key(const void *key, mg_log_sink *sink)
{
    if (!key)
        return MG_OK;
    pthread_once(&install_once, install);
    pthread_mutex_lock(&lock);
    int i = 0;
    while (i < nb_bindings && bindings[i].key != key)
        i++;
    if (!sink) {
        if (i < nb_bindings)
            bindings[i] = bindings[--nb_bindings];
        recompute_threshold_locked();
        pthread_mutex_unlock(&lock);
        return MG_OK;
    }
    if (i == nb_bindings) {
        if (nb_bindings == cap_bindings) {
            int cap = cap_bindings ? cap_bindings * 2 : 32;
            binding *b = av_realloc_array(bindings, cap, sizeof *b);
            if (!b) {
                pthread_mutex_unlock(&lock);
                return mg_fail(AVERROR(ENOMEM), "mg_log_bind");
            }
            bindings = b;
            cap_bindings = cap;
        }
        nb_bindings++;
    }
    bindings[i].key = key;
    bindings[i].sink = sink;
    recompute_threshold_locked();
    pthread_mutex_unlock(&lock);
    return MG_OK;
}

int mg_log_bind_codec(AVCodecContext *c, mg_log_sink *sink)
{
    if (!c)
        return MG_OK;
    /* The opaque is what frame-thread copies of this context share with it (update_context_from_user). */
    if (!c->opaque)
        c->opaque = c;
    return mg_log_bind_key(c->opaque, sink);
}

int mg_log_bind_format(AVFormatContext *s, mg_log_sink *sink)
{
    if (!s)
        return MG_OK;
    if (!s->opaque)
        s->opaque = s;
    return mg_log_bind_key(s->opaque, sink);
}

void mg_set_log_level(int level)
{
    pthread_once(&install_once, install);
    atomic_store(&print_level, level);
    av_log_set_level(level);   /* FFmpeg's default printer checks it too */
    pthread_mutex_lock(&lock);
    recompute_threshold_locked();
    pthread_mutex_unlock(&lock);
}
