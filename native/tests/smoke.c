/* smoke.c — end-to-end smoke test of the native layer. Exit status 0 = all checks passed.
   Each area has its own test_*() function; main() runs them in turn. Test media is made with the ffmpeg CLI
   (tests that need it are skipped, not failed, when ffmpeg is not on PATH). */
#include "../mediagraph.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* AVERROR values used by the checks (the test sees only the public header). */
#define FFERRTAG(a, b, c, d) (-(int)((a) | ((b) << 8) | ((c) << 16) | ((unsigned)(d) << 24)))
#define ERR_OPTION_NOT_FOUND FFERRTAG(0xF8, 'O', 'P', 'T')
#define ERR_ENCODER_NOT_FOUND FFERRTAG(0xF8, 'E', 'N', 'C')
#define ERR_DECODER_NOT_FOUND FFERRTAG(0xF8, 'D', 'E', 'C')
#define ERR_MUXER_NOT_FOUND FFERRTAG(0xF8, 'M', 'U', 'X')
#define ERR_FILTER_NOT_FOUND FFERRTAG(0xF8, 'F', 'I', 'L')
#define ERR_INVALIDDATA FFERRTAG('I', 'N', 'D', 'A')

static int failures;
static int checks;

#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            printf("  FAIL %s:%d: ", __FILE__, __LINE__);                             \
            printf(__VA_ARGS__);                                                      \
            printf("  [%s] (last error: \"%s\")\n", #cond, mg_last_error());          \
        }                                                                             \
    } while (0)

/* Per-process paths, so parallel runs do not trip over each other. */
static char video_path[256];
static int have_video;

static int make_test_video(void)
{
    snprintf(video_path, sizeof video_path, "/tmp/mg_smoke_%d.mp4", (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -y -loglevel error -f lavfi -i testsrc=size=64x48:rate=10 -t 1 -c:v mpeg4 '%s'",
             video_path);
    return system(cmd) == 0;
}

/* ---------- util ---------- */

static void *thread_error(void *arg)
{
    /* A fresh thread sees no message, and its own failure does not show on the main thread. */
    int *ok = arg;
    *ok = mg_last_error()[0] == '\0';
    mg_codec_find("no_such_codec_in_thread", 0, NULL);
    *ok = *ok && strstr(mg_last_error(), "no_such_codec_in_thread") != NULL;
    return NULL;
}

static void test_util(void)
{
    printf("test_util\n");
    const char *vi = mg_version_info();
    CHECK(vi && strstr(vi, "libavformat ") == vi && strstr(vi, "libswresample"), "version info '%s'", vi);
    CHECK(vi == mg_version_info(), "version info is one static string");
    unsigned v = 0, rv = 0;
    CHECK(mg_library_version(1, 1, &v) == 0 && (v >> 16) >= 59, "compiled avcodec %u", v);
    CHECK(mg_library_version(1, 0, &rv) == 0 && (rv >> 16) == (v >> 16), "runtime avcodec %u", rv);
    CHECK(mg_library_version(6, 0, &rv) < 0, "library index 6 rejected");

    int mt = -5;
    CHECK(mg_codec_find("mpeg4", 1, &mt) == 0 && mt == MG_MEDIA_VIDEO, "mpeg4 encoder, type %d", mt);
    CHECK(mg_codec_find("aac", 0, &mt) == 0 && mt == MG_MEDIA_AUDIO, "aac decoder, type %d", mt);
    CHECK(mg_codec_find("foo", 1, &mt) == ERR_ENCODER_NOT_FOUND, "unknown encoder code");
    CHECK(strcmp(mg_last_error(), "unknown encoder 'foo' (run `ffmpeg -encoders` for the list)") == 0, "message");
    CHECK(mg_codec_find("foo", 0, NULL) == ERR_DECODER_NOT_FOUND, "unknown decoder code");

    CHECK(mg_format_find("mp4", 1) == 0, "mp4 muxer");
    CHECK(mg_format_find("matroska", 0) == 0, "matroska demuxer");
    CHECK(mg_format_find("nope", 1) == ERR_MUXER_NOT_FOUND, "unknown muxer");
    char buf[64];
    CHECK(mg_format_guess("out/x.mp4", NULL, buf, sizeof buf) == 0 && strcmp(buf, "mp4") == 0, "guess mp4: %s", buf);
    CHECK(mg_format_guess("x.mkv", NULL, buf, sizeof buf) == 0 && strcmp(buf, "matroska") == 0, "guess mkv: %s", buf);
    CHECK(mg_format_guess("x.mp4", "matroska", buf, sizeof buf) == 0 && strcmp(buf, "matroska") == 0, "named: %s", buf);
    CHECK(mg_format_guess("x.xyz", NULL, buf, sizeof buf) == ERR_MUXER_NOT_FOUND, "x.xyz");
    CHECK(strcmp(mg_last_error(), "cannot guess output format from 'x.xyz'; name one") == 0, "message");
    CHECK(mg_format_guess("x.mp4", "nosuchfmt", buf, sizeof buf) == ERR_MUXER_NOT_FOUND, "bad named format");
    char codec[64], encoder[64];
    CHECK(mg_muxer_default_codec(NULL, "frame_%03d.png", MG_MEDIA_VIDEO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          strcmp(codec, "png") == 0 && strcmp(encoder, "png") == 0, "image2 .png: %s/%s", codec, encoder);
    CHECK(mg_muxer_default_codec(NULL, "a.jpg", MG_MEDIA_VIDEO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          strcmp(encoder, "mjpeg") == 0, "image2 .jpg: %s", encoder);
    CHECK(mg_muxer_default_codec(NULL, "a.wav", MG_MEDIA_VIDEO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          codec[0] == 0 && encoder[0] == 0, "wav takes no video: '%s'", codec);
    CHECK(mg_muxer_default_codec(NULL, "a.wav", MG_MEDIA_AUDIO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          strcmp(encoder, "pcm_s16le") == 0, "wav audio: %s", encoder);
    CHECK(mg_muxer_default_codec(NULL, "a.mp3", MG_MEDIA_VIDEO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          codec[0] == 0, "mp3 takes video only as cover art: '%s'", codec);
    CHECK(mg_muxer_default_codec("mp4", "a.wav", MG_MEDIA_VIDEO, codec, sizeof codec, encoder, sizeof encoder) == 0 &&
          strcmp(codec, "h264") == 0, "named format wins: %s", codec);
    CHECK(mg_muxer_default_codec(NULL, "x.xyz", MG_MEDIA_AUDIO, codec, sizeof codec, encoder, sizeof encoder) == ERR_MUXER_NOT_FOUND,
          "x.xyz has no default");
    CHECK(mg_muxer_default_codec(NULL, "a.mp4", MG_MEDIA_DATA, codec, sizeof codec, encoder, sizeof encoder) < 0, "data refused");
    CHECK(mg_filter_find("scale") == 0, "scale filter");
    CHECK(mg_filter_find("no_such_filter") == ERR_FILTER_NOT_FOUND, "unknown filter");

    int yuv = mg_pix_fmt_from_name("yuv420p");
    CHECK(yuv == 0 && strcmp(mg_pix_fmt_name(yuv), "yuv420p") == 0, "yuv420p = %d", yuv);
    CHECK(mg_pix_fmt_from_name("nope") == -1 && mg_pix_fmt_name(-1) == NULL && mg_pix_fmt_name(100000) == NULL,
          "unknown pix fmt");
    int fltp = mg_sample_fmt_from_name("fltp");
    CHECK(fltp == 8 && strcmp(mg_sample_fmt_name(fltp), "fltp") == 0, "fltp = %d", fltp);
    CHECK(mg_sample_fmt_from_name("nope") == -1 && mg_sample_fmt_name(99) == NULL, "unknown sample fmt");

    mg_error_string(ERR_INVALIDDATA, buf, sizeof buf);
    CHECK(strcmp(buf, "Invalid data found when processing input") == 0, "error string '%s'", buf);
    mg_error_string(MG_EOF, buf, sizeof buf);
    CHECK(buf[0] != '\0', "MG_EOF text");

    pthread_t t;
    int thread_ok = 0;
    mg_codec_find("main_thread_codec", 0, NULL);
    pthread_create(&t, NULL, thread_error, &thread_ok);
    pthread_join(t, NULL);
    CHECK(thread_ok, "other thread had its own error message");
    CHECK(strstr(mg_last_error(), "main_thread_codec") != NULL, "main thread message unchanged");

}

/* ---------- packets and frames ---------- */

static void test_packet_frame(void)
{
    printf("test_packet_frame\n");
    int64_t base = mg_live_handles();
    mg_packet *p = NULL, *q = NULL;
    CHECK(mg_packet_alloc(&p) == 0 && mg_packet_alloc(&q) == 0, "packet alloc");
    CHECK(mg_live_handles() == base + 2, "two handles");
    mg_packet_set_timing(p, 10, 9, 1);
    mg_packet_set_flags(p, 1);
    const uint8_t bytes[5] = { 1, 2, 3, 4, 5 };
    CHECK(mg_packet_from_data(p, bytes, 5) == 0, "from_data");
    CHECK(mg_packet_ref(q, p) == 0, "packet ref");
    mg_packet_info pi;
    CHECK(mg_packet_get_info(q, &pi) == 0, "packet info");
    CHECK(pi.size == 5 && memcmp(pi.data, bytes, 5) == 0 && pi.pts == 10 && pi.dts == 9 && pi.duration == 1 &&
              pi.flags == 1, "packet content size=%d pts=%lld", pi.size, (long long)pi.pts);
    mg_packet_unref(q);
    mg_packet_get_info(q, &pi);
    CHECK(pi.size == 0 && pi.data == NULL && pi.pts == MG_NOPTS, "unref");
    mg_packet_free(&p);
    mg_packet_free(&q);
    mg_packet_free(&q);   /* *p == NULL is fine */
    mg_packet_free(NULL);
    CHECK(p == NULL && q == NULL && mg_live_handles() == base, "packets freed");

    mg_frame *f = NULL, *g = NULL;
    CHECK(mg_frame_alloc(&f) == 0 && mg_frame_alloc(&g) == 0, "frame alloc");
    mg_frame_info fi;
    mg_frame_get_info(f, &fi);
    CHECK(fi.media_type == MG_MEDIA_UNKNOWN, "empty frame type %d", fi.media_type);
    CHECK(mg_frame_alloc_video(f, 64, 48, mg_pix_fmt_from_name("yuv420p"), 0) == 0, "alloc video");
    mg_frame_set_timing(f, 7, 2);
    CHECK(mg_frame_make_writable(f) == 0, "writable");
    CHECK(mg_frame_ref(g, f) == 0, "frame ref");
    mg_frame_get_info(g, &fi);
    CHECK(fi.media_type == MG_MEDIA_VIDEO && fi.width == 64 && fi.height == 48 && fi.format == 0 && fi.data[0] &&
              fi.data[2] && fi.linesize[0] >= 64 && fi.pts == 7 && fi.duration == 2 && fi.hw == 0,
          "video frame info type=%d %dx%d pts=%lld dur=%lld", fi.media_type, fi.width, fi.height, (long long)fi.pts,
          (long long)fi.duration);
    CHECK(mg_frame_alloc_video(f, 0, 48, 0, 0) < 0, "zero width rejected");

    CHECK(mg_frame_alloc_audio(f, 1024, mg_sample_fmt_from_name("fltp"), 48000, 2, 3) == 0, "alloc audio");
    mg_frame_get_info(f, &fi);
    CHECK(fi.media_type == MG_MEDIA_AUDIO && fi.nb_samples == 1024 && fi.channels == 2 && fi.channel_mask == 3 &&
              fi.sample_rate == 48000 && fi.data[0] && fi.data[1],
          "audio frame info ch=%d mask=%llx", fi.channels, (unsigned long long)fi.channel_mask);
    CHECK(mg_frame_alloc_audio(f, 256, 1, 44100, 6, 0) == 0, "alloc audio default layout");
    mg_frame_get_info(f, &fi);
    CHECK(fi.channels == 6 && fi.channel_mask == 0x3F, "5.1 default mask %llx", (unsigned long long)fi.channel_mask);
    CHECK(mg_frame_alloc_audio(f, 256, 1, 44100, 3, 3) < 0, "mask/channel mismatch rejected");

    mg_frame_free(&f);
    mg_frame_free(&g);
    mg_frame_free(&g);
    CHECK(f == NULL && g == NULL && mg_live_handles() == base, "frames freed");
}

/* ---------- demux + decode ---------- */

/* Decodes every packet of stream `index` in path; returns the number of frames, or -1 on a hard failure.
   If corrupt_after >= 0, a packet of garbage is sent after that many packets and must not stop decoding. */
static int decode_stream(const char *path, int corrupt_after, int *n_errors)
{
    mg_demuxer *dm = NULL;
    mg_decoder *dec = NULL;
    mg_codecpar *par = NULL;
    mg_packet *pkt = NULL;
    mg_frame *frm = NULL;
    int frames = -1, sent = 0, rc;
    int64_t last_pts = MG_NOPTS;
    *n_errors = 0;

    if (mg_demuxer_open(path, NULL, NULL, &dm) < 0)
        goto done;
    int vs = mg_demuxer_best_stream(dm, MG_MEDIA_VIDEO);
    CHECK(vs >= 0, "best video stream %d", vs);
    if (vs < 0 || mg_demuxer_codecpar(dm, vs, &par) < 0 || mg_decoder_open(par, NULL, 0, NULL, &dec) < 0 ||
        mg_packet_alloc(&pkt) < 0 || mg_frame_alloc(&frm) < 0)
        goto done;

    frames = 0;
    mg_packet_info info;
    int eof = 0;
    while (!eof) {
        rc = mg_demuxer_read(dm, pkt, &info);
        if (rc < 0) {
            CHECK(0, "read failed");
            frames = -1;
            goto done;
        }
        eof = rc == MG_EOF;
        if (!eof && info.stream_index != vs)
            continue;
        if (!eof && corrupt_after >= 0 && sent++ == corrupt_after) {
            /* Garbage that is not a valid mpeg4 picture. */
            mg_packet *bad = NULL;
            uint8_t junk[200];
            for (int i = 0; i < (int)sizeof junk; i++)
                junk[i] = (uint8_t)(i * 37 + 11);
            junk[0] = 0; junk[1] = 0; junk[2] = 1; junk[3] = 0xB6;   /* a VOP start code, then junk */
            mg_packet_alloc(&bad);
            mg_packet_from_data(bad, junk, sizeof junk);
            mg_packet_set_timing(bad, info.pts, info.dts, info.duration);
            rc = mg_decoder_send(dec, bad);
            if (rc < 0) {
                (*n_errors)++;
                CHECK(rc == ERR_INVALIDDATA && strstr(mg_last_error(), "decoding mpeg4: ") == mg_last_error(),
                      "corrupt packet error %d", rc);
            }
            mg_packet_free(&bad);
        }
        /* Send (NULL at the end = flush); on MG_AGAIN drain frames and send the same packet again. */
        for (;;) {
            rc = mg_decoder_send(dec, eof ? NULL : pkt);
            int again = rc == MG_AGAIN;
            if (rc < 0)
                (*n_errors)++;
            for (;;) {
                int r = mg_decoder_receive(dec, frm);
                if (r == MG_AGAIN || r == MG_EOF)
                    break;
                if (r < 0) {
                    (*n_errors)++;
                    continue;
                }
                mg_frame_info fi;
                mg_frame_get_info(frm, &fi);
                CHECK(fi.media_type == MG_MEDIA_VIDEO && fi.width == 64 && fi.height == 48 && fi.duration > 0 &&
                          fi.pts != MG_NOPTS, "decoded frame pts=%lld duration=%lld", (long long)fi.pts,
                      (long long)fi.duration);
                CHECK(last_pts == MG_NOPTS || fi.pts > last_pts, "pts increasing %lld after %lld", (long long)fi.pts,
                      (long long)last_pts);
                last_pts = fi.pts;
                frames++;
            }
            if (!again)
                break;
        }
    }
    /* After draining, receive keeps saying MG_EOF and send says MG_EOF. */
    CHECK(mg_decoder_receive(dec, frm) == MG_EOF, "receive after drain");
    CHECK(mg_decoder_send(dec, NULL) == MG_EOF, "send after drain");

done:
    mg_frame_free(&frm);
    mg_packet_free(&pkt);
    mg_decoder_free(&dec);
    mg_codecpar_free(&par);
    mg_demuxer_free(&dm);
    return frames;
}

static void test_demux_decode(void)
{
    printf("test_demux_decode\n");
    if (!have_video) {
        printf("  SKIP (could not make test video with ffmpeg)\n");
        return;
    }
    int64_t base = mg_live_handles();

    mg_demuxer *dm = NULL;
    CHECK(mg_demuxer_open(video_path, NULL, NULL, &dm) == 0, "open %s", video_path);
    if (dm) {
        CHECK(mg_demuxer_stream_count(dm) == 1, "one stream");
        CHECK(strstr(mg_demuxer_format_name(dm), "mp4") != NULL, "format %s", mg_demuxer_format_name(dm));
        int64_t dur = mg_demuxer_duration(dm);
        CHECK(dur >= 900000 && dur <= 1100000, "duration %lld us", (long long)dur);
        CHECK(mg_demuxer_start_time(dm) != MG_NOPTS, "start time known");
        mg_stream_info si;
        CHECK(mg_demuxer_stream_info(dm, 0, &si) == 0, "stream info");
        CHECK(si.index == 0 && si.media_type == MG_MEDIA_VIDEO && strcmp(si.codec_name, "mpeg4") == 0 &&
                  si.width == 64 && si.height == 48 && si.pix_fmt == 0 && si.fr_num == 10 && si.fr_den == 1 &&
                  si.tb_num > 0 && si.tb_den > 0 && si.nb_frames == 10 && si.sample_fmt == -1,
              "stream info %s %dx%d fmt %d fr %d/%d tb %d/%d frames %lld", si.codec_name, si.width, si.height,
              si.pix_fmt, si.fr_num, si.fr_den, si.tb_num, si.tb_den, (long long)si.nb_frames);
        CHECK(mg_demuxer_stream_info(dm, 1, &si) < 0, "stream 1 out of range");
        CHECK(mg_demuxer_best_stream(dm, MG_MEDIA_AUDIO) < 0 && mg_last_error()[0], "no audio stream");
        mg_codecpar *par = NULL;
        CHECK(mg_demuxer_codecpar(dm, 0, &par) == 0 && par, "codecpar");

        /* Decoder options: a real one is accepted, a made-up one is named. */
        mg_decoder *dec = NULL;
        CHECK(mg_decoder_open(par, "mpeg4", 2, "flags=+output_corrupt\n", &dec) == 0, "decoder with options");
        mg_decoder_free(&dec);
        CHECK(mg_decoder_open(par, NULL, 0, "bogus_dec_opt=1", &dec) == ERR_OPTION_NOT_FOUND && dec == NULL,
              "unknown decoder option");
        CHECK(strcmp(mg_last_error(), "decoder mpeg4: unknown option 'bogus_dec_opt'") == 0, "message");
        CHECK(mg_decoder_open(par, "h264", 0, NULL, &dec) < 0 && dec == NULL, "h264 decoder for mpeg4 rejected");
        CHECK(mg_decoder_open(par, "nosuchdec", 0, NULL, &dec) == ERR_DECODER_NOT_FOUND, "unknown decoder");
        mg_codecpar_free(&par);
        mg_demuxer_free(&dm);
    }
    CHECK(dm == NULL && mg_live_handles() == base, "handles after stream info %lld", (long long)mg_live_handles());

    int errors = 0;
    int frames = decode_stream(video_path, -1, &errors);
    CHECK(frames == 10 && errors == 0, "decoded %d frames (10 expected), %d errors", frames, errors);
    CHECK(mg_live_handles() == base, "handles after decode %lld", (long long)mg_live_handles());

    /* Damaged data in the middle: the decoder reports it (or conceals it) and keeps going. */
    frames = decode_stream(video_path, 5, &errors);
    printf("  with a corrupt packet: %d frames, %d errors\n", frames, errors);
    CHECK(frames >= 9, "decoding went on after corrupt packet: %d frames", frames);
    CHECK(mg_live_handles() == base, "handles after corrupt decode");
}

/* A decoder that rejects damaged data outright (png: bad signature) reports AVERROR_INVALIDDATA and then decodes
   the next good packet. */
static void test_decode_invalid_data(void)
{
    printf("test_decode_invalid_data\n");
    char png[256], cmd[512];
    snprintf(png, sizeof png, "/tmp/mg_smoke_%d.png", (int)getpid());
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -y -loglevel error -f lavfi -i testsrc=size=32x32 -frames:v 1 -c:v png '%s'", png);
    if (system(cmd) != 0) {
        printf("  SKIP (could not make test image with ffmpeg)\n");
        return;
    }
    int64_t base = mg_live_handles();
    mg_demuxer *dm = NULL;
    mg_codecpar *par = NULL;
    mg_decoder *dec = NULL;
    mg_packet *pkt = NULL, *bad = NULL;
    mg_frame *frm = NULL;
    CHECK(mg_demuxer_open(png, NULL, NULL, &dm) == 0, "open png");
    if (dm && mg_demuxer_codecpar(dm, 0, &par) == 0 && mg_decoder_open(par, NULL, 1, NULL, &dec) == 0) {
        mg_packet_alloc(&pkt);
        mg_packet_alloc(&bad);
        mg_frame_alloc(&frm);
        const uint8_t junk[64] = { 'n', 'o', 't', ' ', 'a', ' ', 'p', 'n', 'g' };
        mg_packet_from_data(bad, junk, sizeof junk);
        int rc = mg_decoder_send(dec, bad);
        if (rc == 0)   /* some builds report the error at receive time */
            rc = mg_decoder_receive(dec, frm);
        CHECK(rc == ERR_INVALIDDATA, "junk packet rc=%d", rc);
        /* FFmpeg's own reason may follow in parentheses */
        CHECK(strncmp(mg_last_error(), "decoding png: Invalid data found when processing input", 54) == 0, "message");
        CHECK(mg_demuxer_read(dm, pkt, NULL) == 0, "read png packet");
        CHECK(mg_decoder_send(dec, pkt) == 0, "send good packet after junk");
        rc = mg_decoder_receive(dec, frm);
        if (rc == MG_AGAIN) {
            mg_decoder_send(dec, NULL);
            rc = mg_decoder_receive(dec, frm);
        }
        mg_frame_info fi;
        mg_frame_get_info(frm, &fi);
        CHECK(rc == 0 && fi.width == 32 && fi.height == 32, "good frame after junk rc=%d", rc);
    }
    mg_frame_free(&frm);
    mg_packet_free(&bad);
    mg_packet_free(&pkt);
    mg_decoder_free(&dec);
    mg_codecpar_free(&par);
    mg_demuxer_free(&dm);
    remove(png);
    CHECK(mg_live_handles() == base, "handles after png");
}

/* ---------- demuxer errors ---------- */

static void test_demux_errors(void)
{
    printf("test_demux_errors\n");
    int64_t base = mg_live_handles();
    mg_demuxer *dm = NULL;
    char path[256], expect[512];

    snprintf(path, sizeof path, "/tmp/mg_smoke_missing_%d.mp4", (int)getpid());
    int rc = mg_demuxer_open(path, NULL, NULL, &dm);
    snprintf(expect, sizeof expect, "cannot open '%s': No such file or directory", path);
    CHECK(rc < 0 && dm == NULL && strcmp(mg_last_error(), expect) == 0, "missing file rc=%d", rc);

    /* A text file with a video extension. */
    snprintf(path, sizeof path, "/tmp/mg_smoke_text_%d.mp4", (int)getpid());
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs("This is not a video file, only some text.\nSecond line.\n", fp);
        fclose(fp);
        rc = mg_demuxer_open(path, NULL, NULL, &dm);
        snprintf(expect, sizeof expect, "cannot open '%s': Invalid data found when processing input", path);
        CHECK(rc == ERR_INVALIDDATA && dm == NULL && strncmp(mg_last_error(), expect, strlen(expect)) == 0, "text file rc=%d", rc);
        remove(path);
    }

    CHECK(mg_demuxer_open("x.mp4", "no_such_demuxer", NULL, &dm) < 0 && dm == NULL, "unknown input format");

    if (have_video) {
        rc = mg_demuxer_open(video_path, NULL, "bogus_option=1", &dm);
        CHECK(rc == ERR_OPTION_NOT_FOUND && dm == NULL, "unknown demuxer option rc=%d", rc);
        CHECK(strcmp(mg_last_error(), "demuxer: unknown option 'bogus_option'") == 0, "message");
        /* Demuxer and protocol options, blank lines and CRLF are fine. */
        rc = mg_demuxer_open(video_path, "mp4", "probesize=100000\r\n\nanalyzeduration=1000000\nignore_editlist=1\n",
                             &dm);
        CHECK(rc == 0 && dm != NULL, "known options rc=%d", rc);
        mg_demuxer *dm2 = NULL;
        CHECK(mg_demuxer_open(video_path, NULL, "no_equals_sign", &dm2) < 0 && dm2 == NULL, "malformed options");

        /* After an interrupt, reading either still succeeds from buffered data or stops; it must not hang. */
        if (dm) {
            mg_packet *pkt = NULL;
            mg_packet_alloc(&pkt);
            mg_demuxer_interrupt(dm);
            int n = 0;
            while ((rc = mg_demuxer_read(dm, pkt, NULL)) == 0)
                n++;
            printf("  after interrupt: %d packets, then %d (%s)\n", n, rc, rc < 0 ? mg_last_error() : "");
            mg_packet_free(&pkt);
        }
        mg_demuxer_free(&dm);
    }
    CHECK(mg_live_handles() == base, "handles after errors %lld", (long long)mg_live_handles());
}

/* ---------- what ffprobe -show_format -show_streams reports ---------- */

static void test_demux_details(void)
{
    printf("test_demux_details\n");
    if (!have_video) {
        printf("  SKIP (could not make test video with ffmpeg)\n");
        return;
    }
    mg_demuxer *dm = NULL;
    CHECK(mg_demuxer_open(video_path, NULL, NULL, &dm) == 0, "open %s", video_path);
    if (!dm)
        return;

    mg_format_details fd;
    FILE *fp = fopen(video_path, "rb");
    long file_size = -2;
    if (fp) {
        fseek(fp, 0, SEEK_END);
        file_size = ftell(fp);
        fclose(fp);
    }
    CHECK(mg_demuxer_format_details(dm, &fd) == 0 && fd.size == file_size && fd.bit_rate > 0 &&
              strcmp(fd.long_name, "QuickTime / MOV") == 0 && fd.tag_count > 0,
          "format details: size %lld (file %ld), bit rate %lld, '%s', %d tags", (long long)fd.size, file_size,
          (long long)fd.bit_rate, fd.long_name, fd.tag_count);

    /* Every container tag, then MG_EOF; major_brand is among them. */
    char key[64], value[256];
    int key_len = 0, value_len = 0, found = 0, i = 0, rc;
    while ((rc = mg_demuxer_tag(dm, -1, i, key, sizeof key, &key_len, value, sizeof value, &value_len)) == MG_OK) {
        if (strcmp(key, "major_brand") == 0)
            found = strcmp(value, "isom") == 0;
        i++;
    }
    CHECK(rc == MG_EOF && i == fd.tag_count && found, "container tags: %d of %d, rc %d, major_brand isom %d", i,
          fd.tag_count, rc, found);
    /* A buffer too small: cut short, NUL-terminated, and the full length said. */
    char small[4];
    CHECK(mg_demuxer_tag(dm, -1, 0, small, sizeof small, &key_len, value, sizeof value, &value_len) == MG_OK &&
              strlen(small) == 3 && key_len > 3,
          "short key buffer: '%s', full length %d", small, key_len);
    CHECK(mg_demuxer_tag(dm, 1, 0, key, sizeof key, &key_len, value, sizeof value, &value_len) < 0 &&
              strstr(mg_last_error(), "out of range"),
          "tag of stream 1 (of 1) refused: %s", mg_last_error());
    CHECK(mg_demuxer_tag(dm, -1, 0, NULL, 0, &key_len, value, sizeof value, &value_len) < 0, "no key buffer refused");

    mg_stream_details sd;
    CHECK(mg_demuxer_stream_details(dm, 0, &sd) == 0 && sd.r_fr_num == 10 && sd.r_fr_den == 1 && sd.avg_fr_num == 10 &&
              sd.avg_fr_den == 1 && (sd.disposition & 1) && sd.channel_layout[0] == '\0' && sd.tag_count > 0,
          "stream details: r %d/%d avg %d/%d disposition %#x layout '%s' %d tags", sd.r_fr_num, sd.r_fr_den,
          sd.avg_fr_num, sd.avg_fr_den, sd.disposition, sd.channel_layout, sd.tag_count);
    CHECK(mg_demuxer_tag(dm, 0, 0, key, sizeof key, &key_len, value, sizeof value, &value_len) == MG_OK && key_len > 0,
          "first stream tag '%s'", key);
    CHECK(mg_demuxer_stream_details(dm, 1, &sd) < 0, "details of stream 1 (of 1) refused");
    mg_demuxer_free(&dm);
}

/* The C heap: the stats see a large allocation and its release, and a trim is counted. */
static void test_memory(void)
{
    int64_t in_use0, free0, mapped0, in_use1, free1, mapped1;
    if (mg_memory_stats(&in_use0, &free0, &mapped0) != MG_OK)
    {
        printf("memory: the C library has no mallinfo2, stats not checked\n");
        return;
    }
    char *block = malloc(32 << 20);
    memset(block, 1, 32 << 20);
    CHECK(mg_memory_stats(&in_use1, &free1, &mapped1) == MG_OK && in_use1 - in_use0 >= (32 << 20) && mapped1 >= in_use1,
          "32 MiB allocated: in use %lld -> %lld, from the system %lld", (long long)in_use0, (long long)in_use1, (long long)mapped1);
    free(block);
    CHECK(mg_memory_stats(&in_use1, &free1, &mapped1) == MG_OK && in_use1 - in_use0 < (32 << 20),
          "32 MiB freed: in use %lld -> %lld", (long long)in_use0, (long long)in_use1);
    int64_t trims = mg_memory_trims();
    int trimmed = mg_memory_trim();
    CHECK(trimmed == 0 || trimmed == 1, "mg_memory_trim on glibc: %d", trimmed);
    CHECK(mg_memory_trims() == trims + 1, "trims counted: %lld -> %lld", (long long)trims, (long long)mg_memory_trims());
}

int main(void)
{
    mg_set_log_level(-8);   /* quiet: the error cases below would make FFmpeg log */
    have_video = make_test_video();

    test_util();
    test_packet_frame();
    test_demux_decode();
    test_decode_invalid_data();
    test_demux_errors();
    test_demux_details();
    test_memory();
    /* Further test_*() functions (encode, mux, filter) go here. */

    CHECK(mg_live_handles() == 0, "live handles at exit: %lld", (long long)mg_live_handles());
    if (have_video)
        remove(video_path);
    printf("smoke: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
