/* hw.c — one CUDA context for FFmpeg, the kernels and ONNX Runtime; GPU-side ordering (events); hardware frames.
 *
 * The CUDA driver (libcuda.so.1) is loaded with dlopen when a device is opened, never linked: the shim loads, and
 * everything that needs no GPU works, on a machine without an NVIDIA driver. Every function here that reaches the
 * driver takes the mg_cuda handle, whose table of driver entry points was filled by mg_cuda_open (no globals), and
 * makes the device's context current around its calls (push/pop), as FFmpeg does: a thread whose current context
 * another library changed (ILGPU binding the CPU accelerator sets it to NULL) still works.
 *
 * The context is the device's PRIMARY context (cuDevicePrimaryCtxRetain), because ONNX Runtime's CUDA provider
 * calls cudaSetDevice on every Run, which selects the primary context; memory of one context is not valid in another.
 * FFmpeg gets it through av_hwdevice_ctx_alloc + AVCUDADeviceContext.cuda_ctx + av_hwdevice_ctx_init (not
 * av_hwdevice_ctx_create with AV_CUDA_USE_PRIMARY_CONTEXT, which fails when the primary context is already active with
 * flags other than BLOCKING_SYNC, and changes them when it is not). On that path FFmpeg neither creates nor destroys
 * the context: this handle retains it and releases it in mg_cuda_free. See docs/gpu.md.
 */
#include "internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The few driver types the shim needs (cuda.h is not installed on a machine without the toolkit; these are the
   driver API's ABI, stable since CUDA 4). Defining CUDA_VERSION keeps hwcontext_cuda.h from including cuda.h. */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
#ifndef CUDA_VERSION
#define CUDA_VERSION 11000
#endif
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_cuda.h>
#include <libavutil/pixdesc.h>

#define CU_OK 0
#define CU_ERROR_NOT_READY 600
#define CU_EVENT_DISABLE_TIMING 0x2
#define CU_STREAM_DEFAULT 0x0

typedef struct cuda_api {
    void *lib;
    CUresult (*Init)(unsigned flags);
    CUresult (*DeviceGetCount)(int *count);
    CUresult (*DeviceGet)(CUdevice *dev, int ordinal);
    CUresult (*DeviceGetName)(char *name, int len, CUdevice dev);
    CUresult (*DevicePrimaryCtxRetain)(CUcontext *ctx, CUdevice dev);
    CUresult (*DevicePrimaryCtxRelease)(CUdevice dev);
    CUresult (*CtxPushCurrent)(CUcontext ctx);
    CUresult (*CtxPopCurrent)(CUcontext *ctx);
    CUresult (*CtxCreate)(CUcontext *ctx, unsigned flags, CUdevice dev);
    CUresult (*CtxDestroy)(CUcontext ctx);
    CUresult (*StreamCreate)(CUstream *stream, unsigned flags);
    CUresult (*StreamDestroy)(CUstream stream);
    CUresult (*StreamSynchronize)(CUstream stream);
    CUresult (*StreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
    CUresult (*EventCreate)(CUevent *event, unsigned flags);
    CUresult (*EventDestroy)(CUevent event);
    CUresult (*EventRecord)(CUevent event, CUstream stream);
    CUresult (*EventQuery)(CUevent event);
    CUresult (*EventSynchronize)(CUevent event);
    CUresult (*GetErrorString)(CUresult error, const char **text);
} cuda_api;

#define MG_CUDA_FRAMES_CACHE 8

struct mg_cuda {
    cuda_api api;
    int ordinal;
    CUdevice device;
    CUcontext context;       /* the primary context, retained */
    CUstream stream;         /* created in it; shared with FFmpeg (AVCUDADeviceContext.stream), ILGPU and ORT */
    AVBufferRef *hw_device;  /* AVHWDeviceContext (CUDA) over context and stream; FFmpeg does not own either */
    char name[256];
    pthread_mutex_t lock;    /* guards frames[] */
    struct {
        int format, width, height;
        AVBufferRef *ref;
    } frames[MG_CUDA_FRAMES_CACHE];
    int frames_next;
};

static int cu_fail(const mg_cuda *c, CUresult r, const char *what)
{
    const char *text = NULL;
    if (c && c->api.GetErrorString)
        c->api.GetErrorString(r, &text);
    return mg_fail_msg(AVERROR_EXTERNAL, "CUDA %s failed: %s (CUresult %d)", what, text ? text : "unknown error", r);
}

static int load_symbol(cuda_api *api, const char *library, void **slot, const char *name, const char *fallback)
{
    *slot = dlsym(api->lib, name);
    if (!*slot && fallback)
        *slot = dlsym(api->lib, fallback);
    if (!*slot)
        return mg_fail_msg(AVERROR(ENOSYS), "CUDA: %s has no %s: not an NVIDIA driver library, or one too old", library,
                           name);
    return MG_OK;
}

static int load_driver(cuda_api *api, const char *library)
{
    memset(api, 0, sizeof *api);
    api->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!api->lib) {
        const char *why = dlerror();
        return mg_fail_msg(AVERROR(ENOSYS),
                           "CUDA: the NVIDIA driver library %s could not be loaded (%s): this machine has no NVIDIA "
                           "driver; run on the CPU (--device cpu, --hwaccel none) or install the driver",
                           library, why ? why : "not found");
    }
#define SYM(field, name, fallback)                                                                     \
    do {                                                                                               \
        int r_ = load_symbol(api, library, (void **)&api->field, name, fallback);                      \
        if (r_ < 0) {                                                                                  \
            dlclose(api->lib);                                                                         \
            api->lib = NULL;                                                                           \
            return r_;                                                                                 \
        }                                                                                              \
    } while (0)
    SYM(Init, "cuInit", NULL);
    SYM(DeviceGetCount, "cuDeviceGetCount", NULL);
    SYM(DeviceGet, "cuDeviceGet", NULL);
    SYM(DeviceGetName, "cuDeviceGetName", NULL);
    SYM(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", NULL);
    SYM(DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
    SYM(CtxPushCurrent, "cuCtxPushCurrent_v2", "cuCtxPushCurrent");
    SYM(CtxPopCurrent, "cuCtxPopCurrent_v2", "cuCtxPopCurrent");
    SYM(CtxCreate, "cuCtxCreate_v2", "cuCtxCreate");
    SYM(CtxDestroy, "cuCtxDestroy_v2", "cuCtxDestroy");
    SYM(StreamCreate, "cuStreamCreate", NULL);
    SYM(StreamDestroy, "cuStreamDestroy_v2", "cuStreamDestroy");
    SYM(StreamSynchronize, "cuStreamSynchronize", NULL);
    SYM(StreamWaitEvent, "cuStreamWaitEvent", NULL);
    SYM(EventCreate, "cuEventCreate", NULL);
    SYM(EventDestroy, "cuEventDestroy_v2", "cuEventDestroy");
    SYM(EventRecord, "cuEventRecord", NULL);
    SYM(EventQuery, "cuEventQuery", NULL);
    SYM(EventSynchronize, "cuEventSynchronize", NULL);
    SYM(GetErrorString, "cuGetErrorString", NULL);
#undef SYM
    return MG_OK;
}

/* Pushes the device's context for the calls that follow; pop() undoes it. */
static int push(const mg_cuda *c)
{
    CUresult r = c->api.CtxPushCurrent(c->context);
    return r == CU_OK ? MG_OK : cu_fail(c, r, "cuCtxPushCurrent");
}

static void pop(const mg_cuda *c)
{
    CUcontext dummy;
    c->api.CtxPopCurrent(&dummy);
}

int mg_cuda_probe(const char *driver_library, int *device_count)
{
    if (device_count)
        *device_count = 0;
    const char *library = driver_library && *driver_library ? driver_library : "libcuda.so.1";
    cuda_api api;
    int ret = load_driver(&api, library);
    if (ret < 0)
        return ret;
    CUresult r = api.Init(0);
    int count = 0;
    if (r == CU_OK)
        r = api.DeviceGetCount(&count);
    if (r != CU_OK) {
        mg_cuda tmp = { .api = api };
        ret = cu_fail(&tmp, r, "cuInit (is the GPU visible to this process?)");
        dlclose(api.lib);
        return ret;
    }
    dlclose(api.lib);
    if (device_count)
        *device_count = count;
    return MG_OK;
}

int mg_cuda_open(const char *driver_library, int ordinal, mg_cuda **out)
{
    if (!out)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_open: no output pointer");
    *out = NULL;
    if (ordinal < 0)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_open: invalid device number %d", ordinal);
    const char *library = driver_library && *driver_library ? driver_library : "libcuda.so.1";

    mg_cuda *c = av_mallocz(sizeof *c);
    if (!c)
        return mg_fail(AVERROR(ENOMEM), "mg_cuda_open");
    int ret = load_driver(&c->api, library);
    if (ret < 0) {
        av_free(c);
        return ret;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->ordinal = ordinal;
    c->device = -1;

    CUresult r = c->api.Init(0);
    if (r != CU_OK) {
        ret = cu_fail(c, r, "cuInit (is the GPU visible to this process?)");
        goto fail;
    }
    int count = 0;
    r = c->api.DeviceGetCount(&count);
    if (r != CU_OK) {
        ret = cu_fail(c, r, "cuDeviceGetCount");
        goto fail;
    }
    if (ordinal >= count) {
        ret = mg_fail_msg(AVERROR(ENODEV), "CUDA device %d does not exist (%d found)", ordinal, count);
        goto fail;
    }
    CUdevice dev;
    r = c->api.DeviceGet(&dev, ordinal);
    if (r != CU_OK) {
        ret = cu_fail(c, r, "cuDeviceGet");
        goto fail;
    }
    c->api.DeviceGetName(c->name, sizeof c->name - 1, dev);
    r = c->api.DevicePrimaryCtxRetain(&c->context, dev);
    if (r != CU_OK) {
        ret = cu_fail(c, r, "cuDevicePrimaryCtxRetain");
        goto fail;
    }
    c->device = dev;
    if ((ret = push(c)) < 0)
        goto fail;
    /* A blocking stream: orders against the legacy default stream too, so a library that forgets to use it stays safe. */
    r = c->api.StreamCreate(&c->stream, CU_STREAM_DEFAULT);
    pop(c);
    if (r != CU_OK) {
        ret = cu_fail(c, r, "cuStreamCreate");
        goto fail;
    }

    c->hw_device = av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_CUDA);
    if (!c->hw_device) {
        ret = mg_fail(AVERROR(ENOMEM), "av_hwdevice_ctx_alloc(cuda)");
        goto fail;
    }
    AVCUDADeviceContext *hw = ((AVHWDeviceContext *)c->hw_device->data)->hwctx;
    hw->cuda_ctx = c->context;
    hw->stream = c->stream;
    ret = av_hwdevice_ctx_init(c->hw_device);
    if (ret < 0) {
        mg_fail(ret, "av_hwdevice_ctx_init(cuda) over the primary context of device %d", ordinal);
        goto fail;
    }
    mg_handle_created();
    *out = c;
    return MG_OK;

fail:
    av_buffer_unref(&c->hw_device);
    if (c->stream) {
        if (push(c) >= 0) {
            c->api.StreamDestroy(c->stream);
            pop(c);
        }
    }
    if (c->device >= 0)
        c->api.DevicePrimaryCtxRelease(c->device);
    dlclose(c->api.lib);
    pthread_mutex_destroy(&c->lock);
    av_free(c);
    return ret;
}

void mg_cuda_free(mg_cuda **p)
{
    if (!p || !*p)
        return;
    mg_cuda *c = *p;
    for (int i = 0; i < MG_CUDA_FRAMES_CACHE; i++)
        av_buffer_unref(&c->frames[i].ref);
    /* Frames FFmpeg still holds keep the device context alive (they reference it); the stream and context go when
       nothing of this handle can use them any more. */
    av_buffer_unref(&c->hw_device);
    if (push(c) >= 0) {
        c->api.StreamSynchronize(c->stream);
        c->api.StreamDestroy(c->stream);
        pop(c);
    }
    c->api.DevicePrimaryCtxRelease(c->device);
    dlclose(c->api.lib);
    pthread_mutex_destroy(&c->lock);
    av_freep(p);
    mg_handle_destroyed();
}

void *mg_cuda_context(const mg_cuda *c) { return c ? (void *)c->context : NULL; }
void *mg_cuda_stream(const mg_cuda *c) { return c ? (void *)c->stream : NULL; }
const char *mg_cuda_name(const mg_cuda *c) { return c ? c->name : ""; }

int mg_cuda_ctx_create(mg_cuda *c, void **ctx)
{
    if (!c || !ctx)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_ctx_create: null argument");
    CUcontext made = NULL;
    CUresult r = c->api.CtxCreate(&made, 0, c->device);
    if (r != CU_OK)
        return cu_fail(c, r, "cuCtxCreate");
    CUcontext dummy;
    c->api.CtxPopCurrent(&dummy);   /* cuCtxCreate makes it current: leave the thread as it was */
    *ctx = made;
    return MG_OK;
}

int mg_cuda_ctx_destroy(mg_cuda *c, void *ctx)
{
    if (!c || !ctx)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_ctx_destroy: null argument");
    if ((CUcontext)ctx == c->context)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_ctx_destroy: refusing to destroy the primary context");
    CUresult r = c->api.CtxDestroy((CUcontext)ctx);
    return r == CU_OK ? MG_OK : cu_fail(c, r, "cuCtxDestroy");
}

/* ---- events: a producer records, a consumer's stream waits on the GPU ---- */

int mg_cuda_event_create(mg_cuda *c, void **event)
{
    if (!c || !event)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_event_create: null argument");
    int ret = push(c);
    if (ret < 0)
        return ret;
    CUevent e = NULL;
    CUresult r = c->api.EventCreate(&e, CU_EVENT_DISABLE_TIMING);
    pop(c);
    if (r != CU_OK)
        return cu_fail(c, r, "cuEventCreate");
    *event = e;
    return MG_OK;
}

void mg_cuda_event_free(mg_cuda *c, void **event)
{
    if (!c || !event || !*event)
        return;
    if (push(c) >= 0) {
        c->api.EventDestroy((CUevent)*event);
        pop(c);
    }
    *event = NULL;
}

int mg_cuda_event_record(mg_cuda *c, void *event, void *stream)
{
    if (!c || !event)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_event_record: null argument");
    int ret = push(c);
    if (ret < 0)
        return ret;
    CUresult r = c->api.EventRecord((CUevent)event, stream ? (CUstream)stream : c->stream);
    pop(c);
    return r == CU_OK ? MG_OK : cu_fail(c, r, "cuEventRecord");
}

int mg_cuda_stream_wait_event(mg_cuda *c, void *stream, void *event)
{
    if (!c || !event)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_stream_wait_event: null argument");
    int ret = push(c);
    if (ret < 0)
        return ret;
    CUresult r = c->api.StreamWaitEvent(stream ? (CUstream)stream : c->stream, (CUevent)event, 0);
    pop(c);
    return r == CU_OK ? MG_OK : cu_fail(c, r, "cuStreamWaitEvent");
}

int mg_cuda_event_query(mg_cuda *c, void *event)
{
    if (!c || !event)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_event_query: null argument");
    int ret = push(c);
    if (ret < 0)
        return ret;
    CUresult r = c->api.EventQuery((CUevent)event);
    pop(c);
    if (r == CU_OK)
        return MG_OK;
    if (r == CU_ERROR_NOT_READY)
        return MG_AGAIN;
    return cu_fail(c, r, "cuEventQuery");
}

int mg_cuda_event_synchronize(mg_cuda *c, void *event)
{
    if (!c || !event)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_event_synchronize: null argument");
    int ret = push(c);
    if (ret < 0)
        return ret;
    CUresult r = c->api.EventSynchronize((CUevent)event);
    pop(c);
    return r == CU_OK ? MG_OK : cu_fail(c, r, "cuEventSynchronize");
}

/* ---- hardware frames: our device frames as FFmpeg CUDA frames, and FFmpeg's CUDA frames as ours ---- */

AVBufferRef *mg_cuda_hw_device(mg_cuda *c) { return c ? c->hw_device : NULL; }

int mg_cuda_frames(mg_cuda *c, int sw_format, int width, int height, AVBufferRef **out);

/* An AVHWFramesContext (CUDA, sw_format/width/height) on the shared device, made once per format and size. */
int mg_cuda_frames(mg_cuda *c, int sw_format, int width, int height, AVBufferRef **out)
{
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < MG_CUDA_FRAMES_CACHE; i++) {
        if (c->frames[i].ref && c->frames[i].format == sw_format && c->frames[i].width == width &&
            c->frames[i].height == height) {
            *out = c->frames[i].ref;
            pthread_mutex_unlock(&c->lock);
            return MG_OK;
        }
    }
    AVBufferRef *ref = av_hwframe_ctx_alloc(c->hw_device);
    if (!ref) {
        pthread_mutex_unlock(&c->lock);
        return mg_fail(AVERROR(ENOMEM), "av_hwframe_ctx_alloc(cuda)");
    }
    AVHWFramesContext *fc = (AVHWFramesContext *)ref->data;
    fc->format = AV_PIX_FMT_CUDA;
    fc->sw_format = (enum AVPixelFormat)sw_format;
    fc->width = width;
    fc->height = height;
    fc->initial_pool_size = 0;   /* frames come from MediaGraph's pool; FFmpeg allocates only for its own outputs */
    int ret = av_hwframe_ctx_init(ref);
    if (ret < 0) {
        av_buffer_unref(&ref);
        pthread_mutex_unlock(&c->lock);
        return mg_fail(ret, "CUDA frames of %dx%d %s (FFmpeg's CUDA frames take nv12, yuv420p, yuv444p, p010, p016, "
                            "yuv444p16, 0rgb32, 0bgr32, rgb32, bgr32)",
                       width, height, av_get_pix_fmt_name((enum AVPixelFormat)sw_format));
    }
    int slot = c->frames_next;
    c->frames_next = (c->frames_next + 1) % MG_CUDA_FRAMES_CACHE;
    av_buffer_unref(&c->frames[slot].ref);
    c->frames[slot].format = sw_format;
    c->frames[slot].width = width;
    c->frames[slot].height = height;
    c->frames[slot].ref = ref;
    *out = ref;
    pthread_mutex_unlock(&c->lock);
    return MG_OK;
}

int mg_cuda_frame_to_hw(mg_cuda *c, mg_frame *dst, const mg_frame *src)
{
    if (!c || !dst || !src)
        return mg_fail_msg(AVERROR(EINVAL), "mg_cuda_frame_to_hw: null argument");
    const AVFrame *s = MG_FRM(src);
    AVFrame *d = MG_FRM(dst);
    if (s->format == AV_PIX_FMT_CUDA)
        return av_frame_ref(d, s) < 0 ? mg_fail(AVERROR(ENOMEM), "av_frame_ref") : MG_OK;
    AVBufferRef *frames;
    int ret = mg_cuda_frames(c, s->format, s->width, s->height, &frames);
    if (ret < 0)
        return ret;
    av_frame_unref(d);
    ret = av_frame_ref(d, s);
    if (ret < 0)
        return mg_fail(ret, "av_frame_ref");
    d->hw_frames_ctx = av_buffer_ref(frames);
    if (!d->hw_frames_ctx) {
        av_frame_unref(d);
        return mg_fail(AVERROR(ENOMEM), "av_buffer_ref");
    }
    d->format = AV_PIX_FMT_CUDA;
    return MG_OK;
}

int mg_frame_hw_to_device(mg_frame *fr, uint8_t **base, size_t *size)
{
    if (!fr || !base || !size)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_hw_to_device: null argument");
    AVFrame *f = MG_FRM(fr);
    if (f->format != AV_PIX_FMT_CUDA || !f->hw_frames_ctx)
        return mg_fail_msg(AVERROR(EINVAL), "mg_frame_hw_to_device: not a CUDA frame (format %s)",
                           av_get_pix_fmt_name((enum AVPixelFormat)f->format));
    const AVHWFramesContext *fc = (const AVHWFramesContext *)f->hw_frames_ctx->data;
    /* The planes were laid out for the pool's (coded) height, e.g. 1088 for 1080p NVDEC surfaces. */
    uint8_t *lo = f->data[0];
    size_t hi = 0;
    for (int i = 0; i < 4 && f->data[i]; i++) {
        int row_bytes = 0, rows = 0;
        int ret = mg_pix_fmt_plane_geometry(fc->sw_format, fc->width, fc->height, i, &row_bytes, &rows);
        if (ret < 0)
            return ret;
        if (f->data[i] < lo)
            lo = f->data[i];
    }
    for (int i = 0; i < 4 && f->data[i]; i++) {
        int row_bytes = 0, rows = 0;
        mg_pix_fmt_plane_geometry(fc->sw_format, fc->width, fc->height, i, &row_bytes, &rows);
        size_t end = (size_t)(f->data[i] - lo) + (size_t)f->linesize[i] * (size_t)rows;   /* whole rows (surfaces are pitch x rows) */
        if (end > hi)
            hi = end;
    }
    f->format = fc->sw_format;
    av_buffer_unref(&f->hw_frames_ctx);   /* the buffers keep the decoder's surfaces and the device alive */
    *base = lo;
    *size = hi;
    return MG_OK;
}
