/* mutate.c — writes a deterministic set of damaged copies of the seed files, for the fuzz regression run: the same
 * mutants on every machine and every run (an xorshift generator seeded by the seed file's position and the mutant's
 * number), so a regression run that passed once passes again unless the code changed.
 *
 * usage: mg_fuzz_mutate OUT_DIR COUNT SEED_FILE...    (COUNT mutants per seed file) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static size_t below(size_t n) { return n ? (size_t)(next() % n) : 0; }

/* One of the damage kinds real files get: flipped bits, overwritten bytes, a zeroed or random run (a lost sector),
   a header field set to 0 or 0xFF.., truncation, a duplicated chunk (a splice). */
static size_t damage(uint8_t *b, size_t size, size_t cap)
{
    int edits = 1 + (int)below(8);
    for (int e = 0; e < edits && size > 0; e++) {
        size_t at = below(size);
        switch (below(7)) {
        case 0: b[at] ^= (uint8_t)(1u << below(8)); break;
        case 1: b[at] = (uint8_t)next(); break;
        case 2: { size_t n = 1 + below(64); for (size_t i = at; i < size && i < at + n; i++) b[i] = 0; break; }
        case 3: { size_t n = 1 + below(256); for (size_t i = at; i < size && i < at + n; i++) b[i] = (uint8_t)next(); break; }
        case 4: { static const uint8_t v[] = { 0x00, 0xFF, 0x7F, 0x80 }; uint8_t x = v[below(4)];
                  for (size_t i = at; i < size && i < at + 4; i++) b[i] = x; break; }
        case 5: size = at + 1; break;
        default: {
            size_t n = 1 + below(size - at < 4096 ? size - at : 4096);
            if (size + n <= cap) {
                memmove(b + at + n, b + at, size - at);   /* the chunk at `at` appears twice */
                size += n;
            }
        }
        }
    }
    return size;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s OUT_DIR COUNT SEED_FILE...\n", argv[0]);
        return 2;
    }
    int count = atoi(argv[2]);
    for (int f = 3; f < argc; f++) {
        FILE *in = fopen(argv[f], "rb");
        if (!in) { perror(argv[f]); return 1; }
        fseek(in, 0, SEEK_END);
        long len = ftell(in);
        fseek(in, 0, SEEK_SET);
        size_t size = len > 0 ? (size_t)len : 0, cap = size * 2 + 4096;
        uint8_t *seed = malloc(size + 1), *b = malloc(cap);
        if (!seed || !b || fread(seed, 1, size, in) != size) { fclose(in); return 1; }
        fclose(in);
        const char *base = strrchr(argv[f], '/');
        base = base ? base + 1 : argv[f];
        for (int k = 0; k < count; k++) {
            state = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(f - 2) << 32) ^ (uint64_t)(k + 1);
            for (int warm = 0; warm < 4; warm++) next();
            memcpy(b, seed, size);
            size_t n = damage(b, size, cap);
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.%03d", argv[1], base, k);
            FILE *out = fopen(path, "wb");
            if (!out || fwrite(b, 1, n, out) != n) { perror(path); return 1; }
            fclose(out);
        }
        free(seed);
        free(b);
    }
    return 0;
}
