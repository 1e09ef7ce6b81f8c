// sources:
/*
 * The generated headers carry the C values: every constant of
 * include/boot/asm_exports.h as NASM assembles it from build/gen/pxhv.inc and
 * build/gen/hypercall.inc (the *_check.bin images of scripts/gen.mk, one
 * qword per name in list order), and as make and the shell read it from
 * layout.mk and layout.sh, equals the value the C compiler sees.
 */
#include "unit.h"
#include "boot/asm_exports.h"

static const char *gen_dir(void)
{
    const char *d = getenv("PXHV_GEN");
    return d ? d : "build/gen";
}

static unsigned long long *load(const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", gen_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s (make gen)\n", path);
        exit(1);
    }
    static unsigned long long buf[1024];
    *n = fread(buf, 8, 1024, f);
    fclose(f);
    return buf;
}

/* NASM's view: the check image holds the numeric values in list order. */
static size_t idx;
static const unsigned long long *img;
static size_t img_n;
static void nasm_num(const char *name, unsigned long long v)
{
    if (idx >= img_n || img[idx] != v) {
        fprintf(stderr, "NASM sees %s = 0x%llx, C has 0x%llx\n", name,
                idx < img_n ? img[idx] : 0ULL, v);
        CHECK(0);
    } else {
        CHECK(1);
    }
    idx++;
}

/* The shell's and make's view: NAME=VALUE / NAME := VALUE lines. */
static char *text;
static void text_num(const char *name, unsigned long long v, const char *sep)
{
    char want[128];
    snprintf(want, sizeof want, "\n%s%s%llu\n", name, sep, v);
    if (!strstr(text, want))
        fprintf(stderr, "missing line '%s%s%llu'\n", name, sep, v);
    CHECK(strstr(text, want) != NULL);
}
static void sh_num(const char *name, unsigned long long v) { text_num(name, v, "="); }
static void mk_num(const char *name, unsigned long long v) { text_num(name, v, " := "); }

static char *slurp(const char *name)
{
    char path[256];
    static char buf[2][65536];
    static int which;
    snprintf(path, sizeof path, "%s/%s", gen_dir(), name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (make gen)\n", path);
        exit(1);
    }
    char *b = buf[which++ & 1];
    b[0] = '\n';
    size_t n = fread(b + 1, 1, sizeof buf[0] - 2, f);
    b[n + 1] = 0;
    fclose(f);
    return b;
}

static void (*num)(const char *, unsigned long long);
#define C(n) num(#n, (unsigned long long)(n));
#define O(n, t, m) num(#n, offsetof(t, m));
#define Z(n, t) num(#n, sizeof(t));
#define S(n)

int main(void)
{
    num = nasm_num;
    img = load("pxhv_check.bin", &img_n);
    idx = 0;
    PXHV_EXPORTS(C, O, Z, S)
    CHECK_EQ(idx, img_n);

    img = load("hypercall_check.bin", &img_n);
    idx = 0;
    HYPERCALL_EXPORTS(C, O, Z, S)
    CHECK_EQ(idx, img_n);

    num = sh_num;
    text = slurp("layout.sh");
    PXHV_EXPORTS(C, O, Z, S)
    CHECK(strstr(text, "\nPXHV_CONFIG_MAGIC='" PXHV_CONFIG_MAGIC "'\n") != NULL);

    num = mk_num;
    text = slurp("layout.mk");
    PXHV_EXPORTS(C, O, Z, S)
    return unit_done("genconsts");
}
