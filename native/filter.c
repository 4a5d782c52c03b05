/* filter.c — mg_filter_graph: a libavfilter graph parsed from a description; its open input pads are fed by
 * buffer/abuffer sources ("in<i>") and its open output pads drain into buffersink/abuffersink ("out<i>"). */
#include "internal.h"

#include <string.h>

#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>

struct mg_filter_graph {
    AVFilterGraph *graph;
    AVFilterInOut *ins, *outs;   /* from avfilter_graph_parse2 */
    int nin, nout;
    AVFilterInOut **in_pad, **out_pad;
    int *in_type, *out_type;     /* MG_MEDIA_* */
    AVFilterContext **src, **sink;
    mg_stream_info *in_info;
    int *in_set;
    int64_t *in_end;             /* per input: where the frames pushed so far end (pts + duration), MG_NOPTS none */
    int configured;
    char *desc;
    mg_cuda *cuda;               /* video inputs are device frames on this CUDA device (mg_filter_graph_set_cuda) */
    AVFrame *hw_in;              /* the CUDA-frame view of a pushed device frame */
};

static void graph_destroy(struct mg_filter_graph *g)
{
    if (!g)
        return;
    avfilter_graph_free(&g->graph);
    avfilter_inout_free(&g->ins);
    avfilter_inout_free(&g->outs);
    av_free(g->in_pad);
    av_free(g->out_pad);
    av_free(g->in_type);
    av_free(g->out_type);
    av_free(g->src);
    av_free(g->sink);
    av_free(g->in_info);
    av_free(g->in_set);
    av_free(g->in_end);
    av_free(g->desc);
    av_frame_free(&g->hw_in);
    av_free(g);
}

static int count_inouts(const AVFilterInOut *io)
{
    int n = 0;
    for (; io; io = io->next)
        n++;
    return n;
}

MG_API int mg_filter_graph_create(const char *description, int threads, mg_filter_graph **out)
{
    mg_log_capture_begin();
    struct mg_filter_graph *g = NULL;
    int ret, i;
    AVFilterInOut *io;

    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_create: out is NULL");
    *out = NULL;
    if (!description)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_create: description is NULL");

    g = av_mallocz(sizeof(*g));
    if (!g)
        return mg_fail(AVERROR(ENOMEM), "mg_filter_graph_create");
    g->desc = av_strdup(description);
    g->graph = avfilter_graph_alloc();
    if (!g->desc || !g->graph) {
        ret = mg_fail(AVERROR(ENOMEM), "mg_filter_graph_create");
        goto fail;
    }
    g->graph->nb_threads = threads > 0 ? threads : 0;

    ret = avfilter_graph_parse2(g->graph, description, &g->ins, &g->outs);
    if (ret < 0) {
        ret = mg_fail(ret, "invalid filter graph '%s'", description);
        goto fail;
    }
    g->nin = count_inouts(g->ins);
    g->nout = count_inouts(g->outs);
    if (g->nin == 0) {
        ret = mg_fail_msg(AVERROR(EINVAL), "filter graph '%s' has no inputs", description);
        goto fail;
    }
    if (g->nout == 0) {
        ret = mg_fail_msg(AVERROR(EINVAL), "filter graph '%s' has no outputs", description);
        goto fail;
    }

    g->in_pad = av_calloc(g->nin, sizeof(*g->in_pad));
    g->out_pad = av_calloc(g->nout, sizeof(*g->out_pad));
    g->in_type = av_calloc(g->nin, sizeof(*g->in_type));
    g->out_type = av_calloc(g->nout, sizeof(*g->out_type));
    g->src = av_calloc(g->nin, sizeof(*g->src));
    g->sink = av_calloc(g->nout, sizeof(*g->sink));
    g->in_info = av_calloc(g->nin, sizeof(*g->in_info));
    g->in_set = av_calloc(g->nin, sizeof(*g->in_set));
    g->in_end = av_calloc(g->nin, sizeof(*g->in_end));
    if (!g->in_pad || !g->out_pad || !g->in_type || !g->out_type || !g->src || !g->sink || !g->in_info ||
        !g->in_set || !g->in_end) {
        ret = mg_fail(AVERROR(ENOMEM), "mg_filter_graph_create");
        goto fail;
    }
    for (i = 0; i < g->nin; i++)
        g->in_end[i] = AV_NOPTS_VALUE;
    for (i = 0, io = g->ins; io; io = io->next, i++) {
        g->in_pad[i] = io;
        g->in_type[i] = (int)avfilter_pad_get_type(io->filter_ctx->input_pads, io->pad_idx);
    }
    for (i = 0, io = g->outs; io; io = io->next, i++) {
        g->out_pad[i] = io;
        g->out_type[i] = (int)avfilter_pad_get_type(io->filter_ctx->output_pads, io->pad_idx);
    }

    mg_handle_created();
    *out = g;
    return MG_OK;

fail:
    graph_destroy(g);
    return ret;
}

MG_API void mg_filter_graph_free(mg_filter_graph **p)
{
    if (!p || !*p)
        return;
    graph_destroy(*p);
    *p = NULL;
    mg_handle_destroyed();
}

MG_API int mg_filter_graph_set_log(mg_filter_graph *g, mg_log_sink *sink)
{
    return g ? mg_log_bind_key(g->graph, sink) : MG_OK;
}

MG_API int mg_filter_graph_input_count(const mg_filter_graph *g)
{
    return g ? g->nin : 0;
}

MG_API int mg_filter_graph_input_type(const mg_filter_graph *g, int index)
{
    if (!g || index < 0 || index >= g->nin)
        return MG_MEDIA_UNKNOWN;
    return g->in_type[index];
}

MG_API int mg_filter_graph_output_count(const mg_filter_graph *g)
{
    return g ? g->nout : 0;
}

MG_API int mg_filter_graph_output_type(const mg_filter_graph *g, int index)
{
    if (!g || index < 0 || index >= g->nout)
        return MG_MEDIA_UNKNOWN;
    return g->out_type[index];
}

MG_API const char *mg_filter_graph_filter_name(const mg_filter_graph *g, int index)
{
    if (!g || !g->graph || index < 0 || (unsigned)index >= g->graph->nb_filters || !g->graph->filters[index]->filter)
        return NULL;
    return g->graph->filters[index]->filter->name;
}

MG_API int mg_filter_graph_set_input(mg_filter_graph *g, int index, const mg_stream_info *info)
{
    if (!g || !info)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_set_input: NULL argument");
    if (index < 0 || index >= g->nin)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': no input %d", g->desc, index);
    if (g->configured)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': already configured", g->desc);
    g->in_info[index] = *info;
    g->in_set[index] = 1;
    return MG_OK;
}

MG_API int mg_filter_graph_set_cuda(mg_filter_graph *g, mg_cuda *cuda)
{
    if (!g || !cuda)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_set_cuda: NULL argument");
    if (g->configured)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': already configured", g->desc);
    g->cuda = cuda;
    return MG_OK;
}

static int valid_q(int num, int den)
{
    return num > 0 && den > 0;
}

static int create_source(struct mg_filter_graph *g, int i)
{
    const mg_stream_info *in = &g->in_info[i];
    char name[32], args[512];
    const char *filter_name;
    int ret;

    snprintf(name, sizeof(name), "in%d", i);
    if (g->in_type[i] == AVMEDIA_TYPE_VIDEO) {
        const char *pix = in->pix_fmt >= 0 ? av_get_pix_fmt_name((enum AVPixelFormat)in->pix_fmt) : NULL;
        AVRational tb, sar;
        if (in->width <= 0 || in->height <= 0 || !pix)
            return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': input %d needs a size and pixel format", g->desc, i);
        if (valid_q(in->tb_num, in->tb_den))
            tb = av_make_q(in->tb_num, in->tb_den);
        else if (valid_q(in->fr_num, in->fr_den))
            tb = av_make_q(in->fr_den, in->fr_num);
        else
            tb = AV_TIME_BASE_Q;
        sar = valid_q(in->sar_num, in->sar_den) ? av_make_q(in->sar_num, in->sar_den) : av_make_q(0, 1);
        int n = snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%s:time_base=%d/%d:pixel_aspect=%d/%d",
                         in->width, in->height, pix, tb.num, tb.den, sar.num, sar.den);
        if (valid_q(in->fr_num, in->fr_den))
            snprintf(args + n, sizeof(args) - n, ":frame_rate=%d/%d", in->fr_num, in->fr_den);
        filter_name = "buffer";
    } else if (g->in_type[i] == AVMEDIA_TYPE_AUDIO) {
        const char *sfmt = in->sample_fmt >= 0 ? av_get_sample_fmt_name((enum AVSampleFormat)in->sample_fmt) : NULL;
        AVChannelLayout layout = { 0 };
        char desc[128];
        AVRational tb;
        if (in->sample_rate <= 0 || !sfmt || (in->channels <= 0 && !in->channel_mask))
            return mg_fail_msg(AVERROR(EINVAL),
                           "filter graph '%s': input %d needs a sample rate, sample format and channels", g->desc, i);
        if (in->channel_mask && (in->channels <= 0 || av_popcount64(in->channel_mask) == in->channels))
            ret = av_channel_layout_from_mask(&layout, in->channel_mask);
        else
            ret = -1;
        if (ret < 0)
            av_channel_layout_default(&layout, in->channels);
        ret = av_channel_layout_describe(&layout, desc, sizeof(desc));
        av_channel_layout_uninit(&layout);
        if (ret < 0)
            return mg_fail(ret, "filter graph '%s': input %d channel layout", g->desc, i);
        tb = valid_q(in->tb_num, in->tb_den) ? av_make_q(in->tb_num, in->tb_den) : av_make_q(1, in->sample_rate);
        snprintf(args, sizeof(args), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
                 tb.num, tb.den, in->sample_rate, sfmt, desc);
        filter_name = "abuffer";
    } else {
        return mg_fail_msg(AVERROR(ENOSYS), "filter graph '%s': input %d is neither audio nor video", g->desc, i);
    }

    ret = avfilter_graph_create_filter(&g->src[i], avfilter_get_by_name(filter_name), name, args, NULL, g->graph);
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': creating %s for input %d (%s)", g->desc, filter_name, i, args);
    if (g->cuda && g->in_type[i] == AVMEDIA_TYPE_VIDEO) {
        /* Device frames enter as CUDA frames with a frames context on the shared device (what scale_cuda,
           yadif_cuda and overlay_cuda read their device and sw_format from). */
        AVBufferRef *frames;
        ret = mg_cuda_frames(g->cuda, in->pix_fmt, in->width, in->height, &frames);
        if (ret < 0)
            return ret;
        AVBufferSrcParameters *par = av_buffersrc_parameters_alloc();
        if (!par)
            return mg_fail(AVERROR(ENOMEM), "filter graph '%s'", g->desc);
        par->format = AV_PIX_FMT_CUDA;
        par->hw_frames_ctx = frames;   /* referenced by av_buffersrc_parameters_set */
        ret = av_buffersrc_parameters_set(g->src[i], par);
        av_free(par);
        if (ret < 0)
            return mg_fail(ret, "filter graph '%s': CUDA frames for input %d", g->desc, i);
    }
    ret = avfilter_link(g->src[i], 0, g->in_pad[i]->filter_ctx, g->in_pad[i]->pad_idx);
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': linking input %d", g->desc, i);
    return 0;
}

static int create_sink(struct mg_filter_graph *g, int i)
{
    char name[32];
    const char *filter_name;
    int ret;

    snprintf(name, sizeof(name), "out%d", i);
    if (g->out_type[i] == AVMEDIA_TYPE_VIDEO)
        filter_name = "buffersink";
    else if (g->out_type[i] == AVMEDIA_TYPE_AUDIO)
        filter_name = "abuffersink";
    else
        return mg_fail_msg(AVERROR(ENOSYS), "filter graph '%s': output %d is neither audio nor video", g->desc, i);
    ret = avfilter_graph_create_filter(&g->sink[i], avfilter_get_by_name(filter_name), name, NULL, NULL, g->graph);
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': creating %s for output %d", g->desc, filter_name, i);
    ret = avfilter_link(g->out_pad[i]->filter_ctx, g->out_pad[i]->pad_idx, g->sink[i], 0);
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': linking output %d", g->desc, i);
    return 0;
}

MG_API int mg_filter_graph_configure(mg_filter_graph *g)
{
    mg_log_capture_begin();
    int ret, i;

    if (!g)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_configure: graph is NULL");
    if (g->configured)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': already configured", g->desc);
    for (i = 0; i < g->nin; i++)
        if (!g->in_set[i])
            return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': input %d was not described", g->desc, i);
    /* A failed configure leaves sources/sinks in the graph; a second attempt is refused. */
    g->configured = -1;
    for (i = 0; i < g->nin; i++)
        if ((ret = create_source(g, i)) < 0)
            return ret;
    for (i = 0; i < g->nout; i++)
        if ((ret = create_sink(g, i)) < 0)
            return ret;
    if (g->cuda) {
        /* Filters that make CUDA frames from nothing (hwupload_cuda) take the device from their context. */
        for (unsigned f = 0; f < g->graph->nb_filters; f++) {
            if (!g->graph->filters[f]->hw_device_ctx &&
                !(g->graph->filters[f]->hw_device_ctx = av_buffer_ref(mg_cuda_hw_device(g->cuda))))
                return mg_fail(AVERROR(ENOMEM), "filter graph '%s'", g->desc);
        }
    }
    ret = avfilter_graph_config(g->graph, NULL);
    if (ret < 0)
        return mg_fail(ret, "configuring filter graph '%s'", g->desc);
    g->configured = 1;
    return MG_OK;
}

static int check_configured(const struct mg_filter_graph *g, const char *op)
{
    if (!g)
        return mg_fail_msg(AVERROR(EINVAL), "%s: graph is NULL", op);
    if (g->configured != 1)
        return mg_fail_msg(AVERROR(EINVAL), "%s: filter graph '%s' is not configured", op, g->desc);
    return 0;
}

MG_API int mg_filter_graph_output_info(const mg_filter_graph *g, int index, mg_stream_info *out)
{
    int ret = check_configured(g, "mg_filter_graph_output_info");
    if (ret < 0)
        return ret;
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_output_info: out is NULL");
    if (index < 0 || index >= g->nout)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': no output %d", g->desc, index);
    const AVFilterContext *s = g->sink[index];
    memset(out, 0, sizeof(*out));
    out->index = index;
    out->media_type = (int)av_buffersink_get_type(s);
    out->pix_fmt = -1;
    out->sample_fmt = -1;
    out->sar_den = 1;
    AVRational tb = av_buffersink_get_time_base(s);
    out->tb_num = tb.num;
    out->tb_den = tb.den;
    out->start_time = MG_NOPTS;
    out->duration = MG_NOPTS;
    if (out->media_type == AVMEDIA_TYPE_VIDEO) {
        out->width = av_buffersink_get_w(s);
        out->height = av_buffersink_get_h(s);
        out->pix_fmt = av_buffersink_get_format(s);
        AVRational sar = av_buffersink_get_sample_aspect_ratio(s);
        if (valid_q(sar.num, sar.den)) {
            out->sar_num = sar.num;
            out->sar_den = sar.den;
        }
        AVRational fr = av_buffersink_get_frame_rate(s);
        if (valid_q(fr.num, fr.den)) {
            out->fr_num = fr.num;
            out->fr_den = fr.den;
        }
    } else if (out->media_type == AVMEDIA_TYPE_AUDIO) {
        AVChannelLayout layout = { 0 };
        out->sample_rate = av_buffersink_get_sample_rate(s);
        out->sample_fmt = av_buffersink_get_format(s);
        if (av_buffersink_get_ch_layout(s, &layout) >= 0) {
            out->channels = layout.nb_channels;
            if (layout.order == AV_CHANNEL_ORDER_NATIVE)
                out->channel_mask = layout.u.mask;
            av_channel_layout_uninit(&layout);
        }
    }
    return MG_OK;
}

MG_API int mg_filter_graph_push(mg_filter_graph *g, int index, const mg_frame *f)
{
    int ret = check_configured(g, "mg_filter_graph_push");
    if (ret < 0)
        return ret;
    if (index < 0 || index >= g->nin)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': no input %d", g->desc, index);
    const AVFrame *frame = MG_FRM(f);
    if (frame && frame->pts != AV_NOPTS_VALUE) {
        int64_t end = frame->pts + FFMAX(mg_frame_duration(frame), 0);
        if (g->in_end[index] == AV_NOPTS_VALUE || end > g->in_end[index])
            g->in_end[index] = end;
    }
    /* As the ffmpeg CLI (send_filter_eof): the end of input is stamped with where the last frame ends, so filters
       that fill time up to it (fps, tpad, the overlay's repeatlast) stop where the CLI's do. */
    if (!frame && g->in_end[index] != AV_NOPTS_VALUE)
        ret = av_buffersrc_close(g->src[index], g->in_end[index], AV_BUFFERSRC_FLAG_PUSH);
    else
    {
        const AVFrame *in = (const AVFrame *)frame;
        if (in && g->cuda && g->in_type[index] == AVMEDIA_TYPE_VIDEO && in->format != AV_PIX_FMT_CUDA) {
            if (!g->hw_in && !(g->hw_in = av_frame_alloc()))
                return mg_fail(AVERROR(ENOMEM), "filter graph '%s'", g->desc);
            ret = mg_cuda_frame_to_hw(g->cuda, (mg_frame *)g->hw_in, f);
            if (ret < 0)
                return ret;
            in = g->hw_in;
        }
        ret = av_buffersrc_add_frame_flags(g->src[index], (AVFrame *)in, in ? AV_BUFFERSRC_FLAG_KEEP_REF : 0);
        if (g->hw_in)
            av_frame_unref(g->hw_in);
    }
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': pushing %s input %d", g->desc, f ? "a frame to" : "the end of", index);
    return MG_OK;
}

/* Time base of the first input of the given media type, 0/0 when none. */
static AVRational input_tb(const struct mg_filter_graph *g, int type)
{
    for (int i = 0; i < g->nin; i++) {
        if (g->in_type[i] != type)
            continue;
        const mg_stream_info *in = &g->in_info[i];
        if (valid_q(in->tb_num, in->tb_den))
            return av_make_q(in->tb_num, in->tb_den);
        if (type == AVMEDIA_TYPE_VIDEO)
            return valid_q(in->fr_num, in->fr_den) ? av_make_q(in->fr_den, in->fr_num) : AV_TIME_BASE_Q;
        return in->sample_rate > 0 ? av_make_q(1, in->sample_rate) : av_make_q(0, 0);
    }
    return av_make_q(0, 0);
}

/* Frame durations are carried through filters unscaled by older libavfilter and are not maintained by
   every filter; make the duration of a pulled frame agree with the sink's time base. */
static void fix_duration(const struct mg_filter_graph *g, int index, AVFrame *f)
{
    const AVFilterContext *s = g->sink[index];
    AVRational tb = av_buffersink_get_time_base(s);
    int64_t d = mg_frame_duration(f);

    if (!valid_q(tb.num, tb.den))
        return;
    if (av_buffersink_get_type(s) == AVMEDIA_TYPE_AUDIO) {
        if (f->nb_samples > 0 && f->sample_rate > 0)
            mg_frame_set_duration(f, av_rescale_q(f->nb_samples, av_make_q(1, f->sample_rate), tb));
        return;
    }
    AVRational fr = av_buffersink_get_frame_rate(s);
    AVRational itb = input_tb(g, AVMEDIA_TYPE_VIDEO);
    int fr_known = valid_q(fr.num, fr.den);
    int same_input_rate = 0;
    for (int i = 0; i < g->nin; i++)
        if (g->in_type[i] == AVMEDIA_TYPE_VIDEO) {
            const mg_stream_info *in = &g->in_info[i];
            same_input_rate = !fr_known || (valid_q(in->fr_num, in->fr_den) &&
                                            av_cmp_q(fr, av_make_q(in->fr_num, in->fr_den)) == 0);
            break;
        }
    if (d > 0 && valid_q(itb.num, itb.den) && av_cmp_q(itb, tb) == 0 && same_input_rate)
        return;  /* pass-through timing: the frame's own duration is right (also for variable frame rates) */
    if (fr_known)
        mg_frame_set_duration(f, av_rescale_q(1, av_inv_q(fr), tb));
    else if (d > 0 && valid_q(itb.num, itb.den))
        mg_frame_set_duration(f, av_rescale_q(d, itb, tb));
}

MG_API int mg_filter_graph_pull(mg_filter_graph *g, int index, mg_frame *out)
{
    int ret = check_configured(g, "mg_filter_graph_pull");
    if (ret < 0)
        return ret;
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_filter_graph_pull: out is NULL");
    if (index < 0 || index >= g->nout)
        return mg_fail_msg(AVERROR(EINVAL), "filter graph '%s': no output %d", g->desc, index);
    AVFrame *f = MG_FRM(out);
    av_frame_unref(f);
    ret = av_buffersink_get_frame(g->sink[index], f);
    if (ret == AVERROR(EAGAIN))
        return MG_AGAIN;
    if (ret == AVERROR_EOF)
        return MG_EOF;
    if (ret < 0)
        return mg_fail(ret, "filter graph '%s': pulling output %d", g->desc, index);
    fix_duration(g, index, f);
    return MG_OK;
}

MG_API int mg_filter_graph_wants_input(const mg_filter_graph *g, int index)
{
    if (!g || !g->configured || index < 0 || index >= g->nin)
        return 0;
    return av_buffersrc_get_nb_failed_requests(g->src[index]) > 0 ? 1 : 0;
}
