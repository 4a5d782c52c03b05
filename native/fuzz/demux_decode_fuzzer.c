/* demux_decode_fuzzer.c — libFuzzer target over the shim's demux -> decode path, the way MediaGraph reads an input:
 * mg_demuxer_open_timed on the input, every stream described (info, details, tags), a decoder opened per stream
 * with the limits the library sets (max_pixels), then packets read, sent and frames received until the end of the
 * input or an iteration cap, errors on a packet or frame being skipped as the Decode node does, and everything
 * freed. Modelled on FFmpeg's tools/target_dem_fuzzer.c and target_dec_fuzzer.c (caps on iterations and picture
 * size so one input cannot run or allocate without bound). The input reaches the demuxer as a seekable file: a
 * memfd, opened through /proc/self/fd so the file protocol (the library's default) reads it.
 *
 * Built with clang and -fsanitize=fuzzer,address,undefined by native/CMakeLists.txt when MG_FUZZ is ON; see
 * native/fuzz/run.sh for the regression run and README "Fuzzing" for longer runs. */
#define _GNU_SOURCE
#include "../mediagraph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PACKETS 2048             /* per input: bounds the time one input can take */
#define MAX_STREAMS 8                /* decoders opened per input */
#define MAX_PIXELS "max_pixels=16777216" /* 4096 x 4096: bounds what a hostile header makes a decoder allocate */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int input_fd = -1;
static int verbose = -1;   /* MG_FUZZ_VERBOSE=1: one line per input (streams, decoders, packets, frames) */
static long frames_out;

static void drain(mg_decoder *dec, mg_frame *frame)
{
    /* A failed receive consumes the frame it failed on; stop after many in a row, as the Decode node does. */
    for (int errors = 0; errors < 64;) {
        int ret = mg_decoder_receive(dec, frame);
        if (ret == MG_OK) {
            mg_frame_info info;
            mg_frame_get_info(frame, &info);
            frames_out++;
            errors = 0;
            continue;
        }
        if (ret == MG_AGAIN || ret == MG_EOF)
            return;
        errors++;
    }
}

static void describe(mg_demuxer *d, int n)
{
    mg_format_details format;
    mg_demuxer_format_details(d, &format);
    char key[64], value[256];
    int key_len, value_len;
    for (int s = -1; s < n; s++) {
        if (s >= 0) {
            mg_stream_info info;
            mg_stream_details details;
            mg_demuxer_stream_info(d, s, &info);
            mg_demuxer_stream_details(d, s, &details);
        }
        for (int i = 0; i < 64; i++)
            if (mg_demuxer_tag(d, s, i, key, sizeof key, &key_len, value, sizeof value, &value_len) != MG_OK)
                break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (verbose < 0)
        verbose = getenv("MG_FUZZ_VERBOSE") != NULL;
    frames_out = 0;
    if (input_fd < 0) {
        mg_set_log_level(-8); /* AV_LOG_QUIET: a fuzzer's inputs are all damaged */
        input_fd = memfd_create("mg-fuzz-input", 0);
        if (input_fd < 0) {
            perror("memfd_create");
            return 0;
        }
    }
    if (ftruncate(input_fd, 0) != 0 || (size && pwrite(input_fd, data, size, 0) != (ssize_t)size))
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", input_fd);

    mg_demuxer *d = NULL;
    /* The library's default whitelist and a deadline, so a hostile playlist can neither reach out nor hang. */
    if (mg_demuxer_open_timed(path, NULL, "protocol_whitelist=file,pipe,crypto,data,subfile", 5000000, 5000000, NULL, &d) < 0)
        return 0;

    int n = mg_demuxer_stream_count(d);
    describe(d, n);
    mg_decoder *decoders[MAX_STREAMS] = { 0 };
    for (int s = 0; s < n && s < MAX_STREAMS; s++) {
        mg_codecpar *par = NULL;
        if (mg_demuxer_codecpar(d, s, &par) == MG_OK) {
            mg_stream_info info;
            if (mg_codecpar_info(par, &info) == MG_OK && (info.media_type == MG_MEDIA_VIDEO || info.media_type == MG_MEDIA_AUDIO))
                mg_decoder_open(par, NULL, 1, info.media_type == MG_MEDIA_VIDEO ? MAX_PIXELS : NULL, &decoders[s]);
        }
        mg_codecpar_free(&par);
    }

    mg_packet *pkt = NULL;
    mg_frame *frame = NULL;
    int packets = 0, opened = 0;
    for (int s = 0; s < MAX_STREAMS; s++)
        opened += decoders[s] != NULL;
    if (mg_packet_alloc(&pkt) == MG_OK && mg_frame_alloc(&frame) == MG_OK) {
        for (int i = 0; i < MAX_PACKETS; i++, packets++) {
            mg_packet_info info;
            if (mg_demuxer_read(d, pkt, &info) != MG_OK)
                break;
            if (info.stream_index < 0 || info.stream_index >= MAX_STREAMS || !decoders[info.stream_index])
                continue;
            mg_decoder *dec = decoders[info.stream_index];
            for (int tries = 0; tries < 4; tries++) {
                int ret = mg_decoder_send(dec, pkt);
                drain(dec, frame);
                if (ret != MG_AGAIN)
                    break;
            }
        }
        for (int s = 0; s < MAX_STREAMS; s++)
            if (decoders[s]) {
                mg_decoder_send(decoders[s], NULL);
                drain(decoders[s], frame);
            }
    }
    if (verbose)
        fprintf(stderr, "mg-fuzz: %zu bytes, %d streams, %d decoders, %d packets, %ld frames\n", size, n, opened, packets,
                frames_out);
    mg_frame_free(&frame);
    mg_packet_free(&pkt);
    for (int s = 0; s < MAX_STREAMS; s++)
        mg_decoder_free(&decoders[s]);
    mg_demuxer_free(&d);
    return 0;
}
