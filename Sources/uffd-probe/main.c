/*
 * uffd-probe: runs a single-threaded patchlab uffd scenario script against the running kernel and
 * prints one JSON object per step, so that the model (UffdModel, design D0) can be compared with the
 * real thing. Test-only tool; plain libc.
 *
 * Usage: uffd-probe SCRIPT_FILE | -
 *   A script may be split into several independent scripts by lines holding only `---`; each runs
 *   in its own child process and is followed on stdout by a line `--- exit=N`.
 *
 * Exit status: 0 ran, 2 usage or I/O error, 3 script not supported (reason on stderr, and in batch
 * mode a line `# reject line N: reason` on stdout), 4 userfaultfd unavailable, 5 set-up failure.
 *
 * The probe never blocks on purpose: `fault` steps on ranges it registered are refused (exit 3),
 * event features that would make fork/munmap/mremap/madvise wait for a reader are refused, every
 * uffd is opened O_NONBLOCK, and an alarm kills a script that still hangs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uffd_probe_abi.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif

enum { EXIT_RAN = 0, EXIT_USAGE = 2, EXIT_UNSUPPORTED = 3, EXIT_NO_UFFD = 4, EXIT_SETUP = 5 };

#define SMALL_PAGE 4096UL
#define HUGE_PAGE (2UL * 1024 * 1024)
/* Every mapping gets its own 1 GiB slot far from the libc mmap area, so offsets past a
 * mapping land in a hole rather than in another VMA. */
#define SLOT_SIZE (1UL << 30)
#define SLOT_BASE 0x200000000000UL
#define MAX_SLOTS 64
#define MAX_MAPPINGS 32
#define MAX_CTXS 8
#define MAX_TOKENS 32
#define NAME_LEN 48
/* An address that is never mapped: the `src=bad` source of COPY. */
#define BAD_SOURCE 0x100000000000UL
#define OUTPUT_UNWRITTEN INT64_MIN
#define TMPFS_MAGIC_NUMBER 0x01021994
#define ALARM_SECONDS 10

enum mem_type { MEM_ANON, MEM_SHMEM, MEM_HUGETLB, MEM_FILE };

/** One `mmap` of the script. */
struct mapping {
    char name[NAME_LEN];
    enum mem_type type;
    int shared;
    int readonly;
    size_t page_size;
    size_t pages;
    char *addr;
    int map_fd;  /* the fd that was mapped (O_RDONLY when readonly), -1 for anon */
    int rw_fd;   /* a read-write fd of the same file, used by pwrite/truncate/populate */
    int *reg_ctx; /* per page: index of the uffd it is registered with, or -1 */
};

/** One userfaultfd of the script. */
struct context {
    char name[NAME_LEN];
    int fd;
    int api_done;
    uint64_t features;
};

/** The state of one running script. */
struct script_state {
    struct mapping maps[MAX_MAPPINGS];
    int nmaps;
    struct context ctxs[MAX_CTXS];
    int nctxs;
    int next_slot;
    int batch;
    int line;
};

/** A parsed script line: the op and its positional words and key=value options. */
struct line_tokens {
    char *op;
    char *words[MAX_TOKENS];
    int nwords;
    char *keys[MAX_TOKENS];
    char *values[MAX_TOKENS];
    int nopts;
};

/** One key/value pair of a step's `output` object. */
struct output_field {
    const char *key;
    int64_t value;
};

static struct script_state *g_state;
static sigjmp_buf g_fault_jump;
static volatile sig_atomic_t g_fault_signal;

/* ---------------------------------------------------------------- reporting */

static const char *errno_name(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case ENOTTY: return "ENOTTY";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETXTBSY: return "ETXTBSY";
    case EHWPOISON: return "EHWPOISON";
    default: return NULL;
    }
}

static void print_errno_value(int e) {
    const char *name = errno_name(e);
    if (name) printf("\"%s\"", name);
    else printf("\"E%d\"", e);
}

/** Prints one step as a JSON object on its own line. */
static void emit_step(const char *op, long long result, int err, int has_ioctls, uint64_t ioctls,
                      const struct output_field *out, int nout) {
    printf("{\"op\":\"%s\",\"line\":%d,\"result\":%lld,\"errno\":", op, g_state->line, result);
    if (result < 0) print_errno_value(err);
    else printf("null");
    printf(",\"ioctls\":");
    if (has_ioctls) printf("%llu", (unsigned long long)ioctls);
    else printf("null");
    printf(",\"output\":");
    if (nout == 0) {
        printf("null");
    } else {
        printf("{");
        for (int i = 0; i < nout; i++) {
            printf("%s\"%s\":%lld", i ? "," : "", out[i].key, (long long)out[i].value);
        }
        printf("}");
    }
    printf("}\n");
    fflush(stdout);
}

/** Refuses the script: reason on stderr (and stdout in batch mode), exit 3. */
__attribute__((noreturn, format(printf, 1, 2))) static void reject(const char *fmt, ...) {
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    fprintf(stderr, "uffd-probe: line %d: %s\n", g_state->line, reason);
    if (g_state->batch) printf("# reject line %d: %s\n", g_state->line, reason);
    fflush(stdout);
    fflush(stderr);
    _exit(EXIT_UNSUPPORTED);
}

__attribute__((noreturn)) static void setup_failure(const char *what) {
    int e = errno;
    fprintf(stderr, "uffd-probe: line %d: set-up failed: %s: %s\n", g_state->line, what, strerror(e));
    if (g_state->batch) printf("# setup line %d: %s: %s\n", g_state->line, what, strerror(e));
    fflush(stdout);
    _exit(EXIT_SETUP);
}

/* ---------------------------------------------------------------- parsing helpers */

static const char *option(const struct line_tokens *t, const char *key) {
    for (int i = 0; i < t->nopts; i++) {
        if (strcasecmp(t->keys[i], key) == 0) return t->values[i];
    }
    return NULL;
}

static int has_word(const struct line_tokens *t, const char *word) {
    for (int i = 0; i < t->nwords; i++) {
        if (strcasecmp(t->words[i], word) == 0) return 1;
    }
    return 0;
}

static long long parse_number(const char *text, const char *what) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    if (errno || end == text || *end != '\0') reject("bad number for %s: '%s'", what, text);
    return v;
}

static uint64_t parse_unsigned(const char *text, const char *what) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end != '\0') reject("bad number for %s: '%s'", what, text);
    return (uint64_t)v;
}

/** One named bit of a `mode=`/`features=` list. */
struct flag_name {
    const char *name;
    uint64_t bit;
};

/** Parses a `,`/`|` separated list of flag names (or a raw number) into a mask. */
static uint64_t parse_flags(const char *list, const struct flag_name *names, const char *what) {
    uint64_t mask = 0;
    char buf[512];
    if (strlen(list) >= sizeof buf) reject("%s list too long", what);
    strcpy(buf, list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",|", &save); tok; tok = strtok_r(NULL, ",|", &save)) {
        if (isdigit((unsigned char)tok[0])) {
            mask |= parse_unsigned(tok, what);
            continue;
        }
        int found = 0;
        for (const struct flag_name *n = names; n->name; n++) {
            if (strcasecmp(n->name, tok) == 0) {
                mask |= n->bit;
                found = 1;
                break;
            }
        }
        if (!found) reject("unknown %s '%s'", what, tok);
    }
    return mask;
}

static const struct flag_name feature_names[] = {
    {"PAGEFAULT_FLAG_WP", PROBE_FEATURE_PAGEFAULT_FLAG_WP},
    {"EVENT_FORK", PROBE_FEATURE_EVENT_FORK},
    {"EVENT_REMAP", PROBE_FEATURE_EVENT_REMAP},
    {"EVENT_REMOVE", PROBE_FEATURE_EVENT_REMOVE},
    {"MISSING_HUGETLBFS", PROBE_FEATURE_MISSING_HUGETLBFS},
    {"MISSING_SHMEM", PROBE_FEATURE_MISSING_SHMEM},
    {"EVENT_UNMAP", PROBE_FEATURE_EVENT_UNMAP},
    {"SIGBUS", PROBE_FEATURE_SIGBUS},
    {"THREAD_ID", PROBE_FEATURE_THREAD_ID},
    {"MINOR_HUGETLBFS", PROBE_FEATURE_MINOR_HUGETLBFS},
    {"MINOR_SHMEM", PROBE_FEATURE_MINOR_SHMEM},
    {"EXACT_ADDRESS", PROBE_FEATURE_EXACT_ADDRESS},
    {"WP_HUGETLBFS_SHMEM", PROBE_FEATURE_WP_HUGETLBFS_SHMEM},
    {"WP_UNPOPULATED", PROBE_FEATURE_WP_UNPOPULATED},
    {"POISON", PROBE_FEATURE_POISON},
    {"WP_ASYNC", PROBE_FEATURE_WP_ASYNC},
    {"MOVE", PROBE_FEATURE_MOVE},
    {NULL, 0},
};

static const struct flag_name register_modes[] = {
    {"missing", PROBE_REGISTER_MODE_MISSING},
    {"wp", PROBE_REGISTER_MODE_WP},
    {"minor", PROBE_REGISTER_MODE_MINOR},
    {"none", 0},
    {NULL, 0},
};

/* Fill ioctls share the bit layout DONTWAKE = bit 0, WP = bit 1; for ZEROPAGE and POISON the WP
 * bit is invalid and is passed through so that the kernel can refuse it. */
static const struct flag_name fill_modes[] = {
    {"dontwake", 1ULL << 0},
    {"wp", 1ULL << 1},
    {"none", 0},
    {NULL, 0},
};

static const struct flag_name move_modes[] = {
    {"dontwake", PROBE_MOVE_MODE_DONTWAKE},
    {"allow_src_holes", PROBE_MOVE_MODE_ALLOW_SRC_HOLES},
    {"none", 0},
    {NULL, 0},
};

static const struct flag_name writeprotect_modes[] = {
    {"wp", PROBE_WRITEPROTECT_MODE_WP},
    {"dontwake", PROBE_WRITEPROTECT_MODE_DONTWAKE},
    {"clear", 0},
    {"none", 0},
    {NULL, 0},
};

/* ---------------------------------------------------------------- state lookups */

static struct mapping *find_mapping(const char *name) {
    for (int i = 0; i < g_state->nmaps; i++) {
        if (strcmp(g_state->maps[i].name, name) == 0) return &g_state->maps[i];
    }
    return NULL;
}

static struct mapping *require_mapping(const struct line_tokens *t, int index) {
    if (t->nwords <= index) reject("%s needs a mapping name", t->op);
    struct mapping *m = find_mapping(t->words[index]);
    if (!m) reject("unknown mapping '%s'", t->words[index]);
    return m;
}

static int ctx_index(const struct line_tokens *t) {
    const char *name = option(t, "ctx");
    if (!name) name = "uffd0";
    for (int i = 0; i < g_state->nctxs; i++) {
        if (strcmp(g_state->ctxs[i].name, name) == 0) return i;
    }
    reject("unknown uffd '%s'", name);
    return -1;
}

/** Offset in pages (default 0). */
static long long opt_offset(const struct line_tokens *t, const char *key) {
    const char *v = option(t, key);
    return v ? parse_number(v, key) : 0;
}

/** Length in pages: `pages=N`, else 1 for fills, else the rest of the mapping. */
static long long opt_pages(const struct line_tokens *t, const struct mapping *m, long long offset, int fill) {
    const char *v = option(t, "pages");
    if (v) return parse_number(v, "pages");
    if (fill) return 1;
    long long rest = (long long)m->pages - offset;
    return rest > 0 ? rest : 0;
}

static uint64_t page_addr(const struct mapping *m, long long offset) {
    return (uint64_t)(uintptr_t)m->addr + (uint64_t)(offset * (long long)m->page_size);
}

static uint64_t page_len(const struct mapping *m, long long pages) {
    return (uint64_t)(pages * (long long)m->page_size);
}

/** Records (ctx >= 0) or clears (ctx == -1, only pages of `only_ctx` if >= 0) registrations. */
static void mark_pages(struct mapping *m, long long offset, long long pages, int ctx, int only_ctx) {
    for (long long p = offset; p < offset + pages; p++) {
        if (p < 0 || p >= (long long)m->pages) continue;
        if (ctx < 0 && only_ctx >= 0 && m->reg_ctx[p] != only_ctx) continue;
        m->reg_ctx[p] = ctx;
    }
}

static int feature_enabled(uint64_t feature) {
    for (int i = 0; i < g_state->nctxs; i++) {
        if (g_state->ctxs[i].fd >= 0 && (g_state->ctxs[i].features & feature)) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- userfaultfd */

/** Opens a userfaultfd: the syscall, else /dev/userfaultfd. Returns -errno on failure. */
static int open_uffd(void) {
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) return fd;
    int first = errno;
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev >= 0) {
        fd = ioctl(dev, PROBE_USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
        int e = errno;
        close(dev);
        if (fd >= 0) return fd;
        errno = e;
        return -e;
    }
    return -first;
}

static int new_context(const char *name) {
    if (g_state->nctxs >= MAX_CTXS) reject("too many uffds");
    int fd = open_uffd();
    if (fd < 0) {
        fprintf(stderr, "uffd-probe: userfaultfd unavailable: %s\n", strerror(-fd));
        if (g_state->batch) printf("# unavailable: %s\n", strerror(-fd));
        fflush(stdout);
        _exit(EXIT_NO_UFFD);
    }
    struct context *c = &g_state->ctxs[g_state->nctxs++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->fd = fd;
    c->api_done = 0;
    c->features = 0;
    return g_state->nctxs - 1;
}

/* ---------------------------------------------------------------- memory */

static void *source_buffer(size_t len, const char *kind) {
    if (strcasecmp(kind, "bad") == 0) return (void *)BAD_SOURCE;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) setup_failure("source buffer");
    if (strcasecmp(kind, "resident") == 0) memset(p, 0x5a, len);
    else if (strcasecmp(kind, "nonresident") != 0) reject("unknown src '%s'", kind);
    return p;
}

static void release_source(void *p, size_t len) {
    if (p != (void *)BAD_SOURCE) munmap(p, len);
}

static char *next_slot(void) {
    if (g_state->next_slot >= MAX_SLOTS) reject("too many mappings");
    return (char *)(SLOT_BASE + (uintptr_t)g_state->next_slot++ * SLOT_SIZE);
}

/** Creates the file behind a non-anonymous mapping; returns the read-write fd. */
static int create_backing(enum mem_type type, size_t bytes) {
    int fd = -1;
    if (type == MEM_SHMEM) {
        fd = memfd_create("patchlab-probe", MFD_CLOEXEC);
    } else if (type == MEM_HUGETLB) {
        fd = memfd_create("patchlab-probe-huge", MFD_CLOEXEC | MFD_HUGETLB);
    } else {
        /* A regular file on a disk file system: /tmp, unless it is tmpfs (that would be shmem). */
        const char *dirs[] = {"/tmp", "/var/tmp", "."};
        const char *dir = dirs[0];
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
            struct statfs st;
            if (statfs(dirs[i], &st) == 0 && st.f_type != TMPFS_MAGIC_NUMBER && access(dirs[i], W_OK) == 0) {
                dir = dirs[i];
                break;
            }
        }
        /* mkstemp template: the prefix followed by six 'X' characters. */
        char path[256];
        snprintf(path, sizeof path - 8, "%s/patchlab-probe-", dir);
        size_t used = strlen(path);
        memset(path + used, 'X', 6);
        path[used + 6] = '\0';
        fd = mkstemp(path);
        if (fd >= 0) unlink(path);
    }
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)bytes) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void touch_pages(struct mapping *m, int write) {
    for (size_t p = 0; p < m->pages; p++) {
        volatile char *c = m->addr + p * m->page_size;
        if (write) memset((char *)c, 0x33, m->page_size);
        else (void)*c;
    }
}

static void op_mmap(const struct line_tokens *t) {
    if (t->nwords < 2) reject("mmap NAME TYPE pages=N");
    if (g_state->nmaps >= MAX_MAPPINGS) reject("too many mappings");
    /* The TYPE is the first word after the name that is not a flag word. */
    const char *type = NULL;
    for (int i = 1; i < t->nwords && !type; i++) {
        const char *w = t->words[i];
        if (strcasecmp(w, "shared") && strcasecmp(w, "private") && strcasecmp(w, "readonly") &&
            strcasecmp(w, "populate"))
            type = w;
    }
    if (!type) reject("mmap needs a TYPE");
    struct mapping m;
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "%s", t->words[0]);
    m.map_fd = -1;
    m.rw_fd = -1;
    if (strcasecmp(type, "anon") == 0) m.type = MEM_ANON;
    else if (strcasecmp(type, "shmem") == 0 || strcasecmp(type, "memfd") == 0) m.type = MEM_SHMEM;
    else if (strcasecmp(type, "hugetlb") == 0) m.type = MEM_HUGETLB;
    else if (strcasecmp(type, "file") == 0) m.type = MEM_FILE;
    else reject("memory type '%s' is not available on a stock kernel", type);
    m.page_size = m.type == MEM_HUGETLB ? HUGE_PAGE : SMALL_PAGE;
    const char *pages = option(t, "pages");
    if (!pages) reject("mmap needs pages=N");
    long long n = parse_number(pages, "pages");
    if (n <= 0 || n > 4096) reject("mmap pages=%lld out of range (1...4096)", n);
    m.pages = (size_t)n;
    m.shared = m.type != MEM_ANON;
    if (has_word(t, "shared")) m.shared = 1;
    if (has_word(t, "private")) m.shared = 0;
    if (m.type == MEM_ANON && m.shared) reject("shared anonymous memory is shmem: write `shmem` instead");
    m.readonly = has_word(t, "readonly");
    int populate = has_word(t, "populate");
    for (int i = 1; i < t->nwords; i++) {
        const char *w = t->words[i];
        if (w != type && strcasecmp(w, "shared") && strcasecmp(w, "private") && strcasecmp(w, "readonly") &&
            strcasecmp(w, "populate"))
            reject("unknown mmap word '%s'", w);
    }
    size_t bytes = m.pages * m.page_size;
    long long result = 0;
    int err = 0;
    if (m.type != MEM_ANON) {
        m.rw_fd = create_backing(m.type, bytes);
        if (m.rw_fd < 0) setup_failure("create backing file");
        if (populate && m.readonly) {
            /* Fill the page cache through the file; the read-only mapping is touched below. */
            char *buf = malloc(m.page_size);
            if (!buf) setup_failure("malloc");
            memset(buf, 0x33, m.page_size);
            for (size_t p = 0; p < m.pages; p++) {
                if (pwrite(m.rw_fd, buf, m.page_size, (off_t)(p * m.page_size)) != (ssize_t)m.page_size)
                    setup_failure("populate pwrite");
            }
            free(buf);
        }
        if (m.readonly) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", m.rw_fd);
            m.map_fd = open(path, O_RDONLY | O_CLOEXEC);
            if (m.map_fd < 0) setup_failure("reopen read-only");
        } else {
            m.map_fd = m.rw_fd;
        }
    }
    int prot = m.readonly ? PROT_READ : PROT_READ | PROT_WRITE;
    int flags = (m.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
    if (m.type == MEM_ANON) flags |= MAP_ANONYMOUS;
    char *want = next_slot();
    void *p = mmap(want, bytes, prot, flags, m.map_fd, 0);
    if (p == MAP_FAILED) {
        result = -1;
        err = errno;
        m.addr = want; /* later ops on this name target the (empty) slot */
    } else if (p != want) {
        munmap(p, bytes);
        errno = EEXIST;
        setup_failure("mapping slot taken");
    } else {
        m.addr = p;
        if (populate) touch_pages(&m, !m.readonly);
    }
    m.reg_ctx = malloc(sizeof(int) * m.pages);
    if (!m.reg_ctx) setup_failure("malloc");
    for (size_t i = 0; i < m.pages; i++) m.reg_ctx[i] = -1;
    struct mapping *old = find_mapping(m.name);
    if (old) {
        free(old->reg_ctx);
        *old = m;
    } else {
        g_state->maps[g_state->nmaps++] = m;
    }
    emit_step("mmap", result, err, 0, 0, NULL, 0);
}

/* ---------------------------------------------------------------- ops */

static void op_api(const struct line_tokens *t) {
    int ci = ctx_index(t);
    struct context *c = &g_state->ctxs[ci];
    const char *list = option(t, "features");
    struct probe_uffdio_api api = {.api = PROBE_UFFD_API, .features = 0, .ioctls = 0};
    if (list) api.features = parse_flags(list, feature_names, "feature");
    /* Event features are allowed, but fork/mremap/madvise/munmap are then refused (they would wait). */
    uint64_t requested = api.features;
    int r = ioctl(c->fd, PROBE_UFFDIO_API, &api);
    int err = errno;
    if (r == 0) {
        c->api_done = 1;
        c->features = requested;
    }
    emit_step("api", r, err, 0, 0, NULL, 0);
}

static void op_uffd(const struct line_tokens *t) {
    if (t->nwords < 1) reject("uffd NAME");
    for (int i = 0; i < g_state->nctxs; i++) {
        if (strcmp(g_state->ctxs[i].name, t->words[0]) == 0) reject("uffd '%s' already exists", t->words[0]);
    }
    new_context(t->words[0]);
    emit_step("uffd", 0, 0, 0, 0, NULL, 0);
}

static void op_register(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 0);
    const char *modes = option(t, "mode");
    struct probe_uffdio_register reg;
    memset(&reg, 0, sizeof reg);
    reg.range.start = page_addr(m, off);
    reg.range.len = page_len(m, pages);
    reg.mode = modes ? parse_flags(modes, register_modes, "register mode") : 0;
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_REGISTER, &reg);
    int err = errno;
    if (r == 0) mark_pages(m, off, pages, ci, -1);
    emit_step("register", r, err, r == 0, reg.ioctls, NULL, 0);
}

static void op_unregister(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 0);
    struct probe_uffdio_range range = {.start = page_addr(m, off), .len = page_len(m, pages)};
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_UNREGISTER, &range);
    int err = errno;
    if (r == 0) mark_pages(m, off, pages, -1, ci);
    emit_step("unregister", r, err, 0, 0, NULL, 0);
}

static void op_wake(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 0);
    struct probe_uffdio_range range = {.start = page_addr(m, off), .len = page_len(m, pages)};
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_WAKE, &range);
    emit_step("wake", r, errno, 0, 0, NULL, 0);
}

static uint64_t fill_mode(const struct line_tokens *t, const struct flag_name *names) {
    const char *modes = option(t, "mode");
    uint64_t mask = modes ? parse_flags(modes, names, "mode") : 0;
    /* Bare words are accepted as well: `copy a dontwake` (`unaligned` is not a mode). */
    for (int i = 1; i < t->nwords; i++) {
        if (strcasecmp(t->words[i], "unaligned") != 0) mask |= parse_flags(t->words[i], names, "mode");
    }
    return mask;
}

/** Reports a fill ioctl: its output field, or null when the kernel left it unwritten. */
static void emit_fill(const char *op, int r, int err, const char *key, int64_t field) {
    struct output_field out = {key, field};
    emit_step(op, r, err, 0, 0, &out, field == OUTPUT_UNWRITTEN ? 0 : 1);
}

static void op_copy(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 1);
    const char *kind = option(t, "src");
    uint64_t len = page_len(m, pages);
    size_t buf_len = len > 0 && len < (1ULL << 34) ? (size_t)len : m->page_size;
    void *src = source_buffer(buf_len, kind ? kind : "resident");
    /* `unaligned`: dst inside a page (a small page into a huge page; 512 bytes otherwise). */
    uint64_t misalign = has_word(t, "unaligned") ? (m->type == MEM_HUGETLB ? SMALL_PAGE : 512) : 0;
    struct probe_uffdio_copy c = {.dst = page_addr(m, off) + misalign, .src = (uint64_t)(uintptr_t)src, .len = len,
                                  .mode = fill_mode(t, fill_modes), .copy = OUTPUT_UNWRITTEN};
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_COPY, &c);
    int err = errno;
    release_source(src, buf_len);
    emit_fill("copy", r, err, "copy", c.copy);
}

/* ZEROPAGE, CONTINUE and POISON share one layout: a range, a mode and the output field. */
struct range_fill {
    struct probe_uffdio_range range;
    uint64_t mode;
    int64_t out;
};
_Static_assert(sizeof(struct range_fill) == sizeof(struct probe_uffdio_zeropage) &&
               sizeof(struct range_fill) == sizeof(struct probe_uffdio_continue) &&
               sizeof(struct range_fill) == sizeof(struct probe_uffdio_poison) &&
               offsetof(struct range_fill, out) == offsetof(struct probe_uffdio_zeropage, zeropage) &&
               offsetof(struct range_fill, out) == offsetof(struct probe_uffdio_continue, mapped) &&
               offsetof(struct range_fill, out) == offsetof(struct probe_uffdio_poison, updated),
               "range fill ioctls share one layout");

/* Runs a range fill ioctl and prints its step with output field `field`. */
static void op_range_fill(const struct line_tokens *t, const char *op, unsigned long request, const char *field) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 1);
    struct range_fill f = {.range = {page_addr(m, off), page_len(m, pages)},
                           .mode = fill_mode(t, fill_modes), .out = OUTPUT_UNWRITTEN};
    int r = ioctl(g_state->ctxs[ci].fd, request, &f);
    emit_fill(op, r, errno, field, f.out);
}

static void op_writeprotect(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 0);
    const char *modes = option(t, "mode");
    if (!modes) reject("writeprotect needs mode=wp or mode=clear");
    struct probe_uffdio_writeprotect w = {.range = {page_addr(m, off), page_len(m, pages)},
                                          .mode = fill_mode(t, writeprotect_modes)};
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_WRITEPROTECT, &w);
    emit_step("writeprotect", r, errno, 0, 0, NULL, 0);
}

static void op_move(const struct line_tokens *t) {
    struct mapping *dst = require_mapping(t, 0);
    struct mapping *src = require_mapping(t, 1);
    int ci = ctx_index(t);
    long long off = opt_offset(t, "offset");
    long long soff = opt_offset(t, "srcoffset");
    long long pages = opt_pages(t, dst, off, 1);
    const char *modes = option(t, "mode");
    struct probe_uffdio_move mv = {.dst = page_addr(dst, off), .src = page_addr(src, soff),
                                   .len = page_len(dst, pages),
                                   .mode = modes ? parse_flags(modes, move_modes, "mode") : 0,
                                   .move = OUTPUT_UNWRITTEN};
    for (int i = 2; i < t->nwords; i++) mv.mode |= parse_flags(t->words[i], move_modes, "mode");
    int r = ioctl(g_state->ctxs[ci].fd, PROBE_UFFDIO_MOVE, &mv);
    emit_fill("move", r, errno, "move", mv.move);
}

static void op_pwrite(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    if (m->rw_fd < 0) reject("pwrite needs a file-backed mapping");
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 1);
    if (pages < 0 || pages > 4096 || off < 0) reject("pwrite range out of bounds");
    size_t len = (size_t)page_len(m, pages);
    char *buf = malloc(len ? len : 1);
    if (!buf) setup_failure("malloc");
    memset(buf, 0x44, len);
    ssize_t r = pwrite(m->rw_fd, buf, len, (off_t)(off * (long long)m->page_size));
    int err = errno;
    free(buf);
    emit_step("pwrite", r, err, 0, 0, NULL, 0);
}

static void op_munmap(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    long long off = opt_offset(t, "offset");
    long long pages = opt_pages(t, m, off, 0);
    if (feature_enabled(PROBE_FEATURE_EVENT_UNMAP)) reject("munmap with EVENT_UNMAP would wait for a reader");
    int r = munmap((void *)(uintptr_t)page_addr(m, off), (size_t)page_len(m, pages));
    int err = errno;
    if (r == 0) mark_pages(m, off, pages, -1, -1);
    emit_step("munmap", r, err, 0, 0, NULL, 0);
}

static void op_madvise(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    if (t->nwords < 2) reject("madvise NAME dontneed|remove");
    int advice = MADV_DONTNEED;
    if (strcasecmp(t->words[1], "dontneed") == 0) advice = MADV_DONTNEED;
    else if (strcasecmp(t->words[1], "remove") == 0) advice = MADV_REMOVE;
    else reject("unknown advice '%s'", t->words[1]);
    if (feature_enabled(PROBE_FEATURE_EVENT_REMOVE)) reject("madvise with EVENT_REMOVE would wait for a reader");
    long long off = t->nwords > 2 ? parse_number(t->words[2], "offset") : opt_offset(t, "offset");
    long long pages = t->nwords > 3 ? parse_number(t->words[3], "pages") : opt_pages(t, m, off, 0);
    int r = madvise((void *)(uintptr_t)page_addr(m, off), (size_t)page_len(m, pages), advice);
    emit_step("madvise", r, errno, 0, 0, NULL, 0);
}

static void op_mremap(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    if (feature_enabled(PROBE_FEATURE_EVENT_REMAP)) reject("mremap with EVENT_REMAP would wait for a reader");
    size_t bytes = m->pages * m->page_size;
    char *want = next_slot();
    void *p = mremap(m->addr, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, want);
    int err = errno;
    long long r = 0;
    if (p == MAP_FAILED) {
        r = -1;
    } else {
        m->addr = p;
        /* Without EVENT_REMAP the moved VMA loses its registration. */
        mark_pages(m, 0, (long long)m->pages, -1, -1);
    }
    emit_step("mremap", r, err, 0, 0, NULL, 0);
}

static void op_truncate(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    if (m->rw_fd < 0) reject("truncate needs a file-backed mapping");
    const char *v = option(t, "pages");
    if (!v) reject("truncate needs pages=N");
    long long pages = parse_number(v, "pages");
    int r = ftruncate(m->rw_fd, (off_t)(pages * (long long)m->page_size));
    emit_step("truncate", r, errno, 0, 0, NULL, 0);
}

static void op_fork(void) {
    if (feature_enabled(PROBE_FEATURE_EVENT_FORK)) reject("fork with EVENT_FORK would wait for a reader");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int err = errno;
    long long r = pid < 0 ? -1 : 0;
    if (pid > 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    emit_step("fork", r, err, 0, 0, NULL, 0);
}

static void op_close(const struct line_tokens *t) {
    int ci = ctx_index(t);
    struct context *c = &g_state->ctxs[ci];
    int r = close(c->fd);
    int err = errno;
    c->fd = -1; /* later ioctls on it fail with EBADF, never on a reused fd number */
    for (int i = 0; i < g_state->nmaps; i++) {
        struct mapping *m = &g_state->maps[i];
        mark_pages(m, 0, (long long)m->pages, -1, ci);
    }
    emit_step("close", r, err, 0, 0, NULL, 0);
}

static void op_readevent(const struct line_tokens *t) {
    int ci = ctx_index(t);
    struct probe_uffd_msg msg;
    memset(&msg, 0, sizeof msg);
    ssize_t r = read(g_state->ctxs[ci].fd, &msg, sizeof msg);
    int err = errno;
    struct output_field out = {"event", msg.event};
    emit_step("readevent", r, err, 0, 0, &out, r > 0 ? 1 : 0);
}

__attribute__((noreturn)) static void fault_handler(int sig) {
    g_fault_signal = sig;
    siglongjmp(g_fault_jump, 1);
}

static void op_fault(const struct line_tokens *t) {
    struct mapping *m = require_mapping(t, 0);
    long long off = opt_offset(t, "offset");
    int write = has_word(t, "write");
    int gup = has_word(t, "gup");
    if (off >= 0 && off < (long long)m->pages && m->reg_ctx[off] >= 0)
        reject("fault on a registered range would block (mapping '%s' page %lld)", m->name, off);
    char *addr = (char *)(uintptr_t)page_addr(m, off);
    long long r = 0;
    int err = 0;
    struct output_field out = {"sigbus", 1};
    if (gup) {
        int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
        if (fd < 0) setup_failure("open /proc/self/mem");
        char byte = 0x21;
        ssize_t n = write ? pwrite(fd, &byte, 1, (off_t)(uintptr_t)addr) : pread(fd, &byte, 1, (off_t)(uintptr_t)addr);
        err = errno;
        close(fd);
        r = n == 1 ? 0 : -1;
        emit_step("fault", r, err, 0, 0, NULL, 0);
        return;
    }
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fault_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    g_fault_signal = 0;
    if (sigsetjmp(g_fault_jump, 1) == 0) {
        volatile char *p = addr;
        if (write) *p = 0x21;
        else (void)*p;
    } else {
        /* SIGSEGV (no VMA, no permission) and SIGBUS (beyond EOF) both fail the access; the
         * output says which: {"sigbus":1} for SIGBUS, nothing for SIGSEGV. */
        r = -1;
        err = EFAULT;
    }
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    emit_step("fault", r, err, 0, 0, &out, r < 0 && g_fault_signal == SIGBUS ? 1 : 0);
}

/* ---------------------------------------------------------------- script driver */

/** Splits a line into op, words and options; returns 0 for blank/comment lines. */
static int tokenize(char *line, struct line_tokens *t) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    memset(t, 0, sizeof *t);
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (!t->op) {
            for (char *c = tok; *c; c++) *c = (char)tolower((unsigned char)*c);
            t->op = tok;
            continue;
        }
        char *eq = strchr(tok, '=');
        if (eq) {
            if (t->nopts >= MAX_TOKENS) reject("too many options");
            *eq = '\0';
            t->keys[t->nopts] = tok;
            t->values[t->nopts] = eq + 1;
            t->nopts++;
        } else {
            if (t->nwords >= MAX_TOKENS) reject("too many words");
            t->words[t->nwords++] = tok;
        }
    }
    return t->op != NULL;
}

static void run_line(struct line_tokens *t) {
    const char *op = t->op;
    if (strcmp(op, "design") == 0 || strcmp(op, "expect") == 0) return; /* not steps */
    if (strcmp(op, "thread") == 0) {
        if (t->nwords < 1 || strcmp(t->words[0], "main") != 0)
            reject("the probe runs single-thread scripts only (thread %s)", t->nwords ? t->words[0] : "?");
        return;
    }
    if (strcmp(op, "mmap") == 0) op_mmap(t);
    else if (strcmp(op, "api") == 0) op_api(t);
    else if (strcmp(op, "uffd") == 0) op_uffd(t);
    else if (strcmp(op, "register") == 0) op_register(t);
    else if (strcmp(op, "unregister") == 0) op_unregister(t);
    else if (strcmp(op, "copy") == 0) op_copy(t);
    else if (strcmp(op, "zeropage") == 0) op_range_fill(t, "zeropage", PROBE_UFFDIO_ZEROPAGE, "zeropage");
    else if (strcmp(op, "continue") == 0) op_range_fill(t, "continue", PROBE_UFFDIO_CONTINUE, "mapped");
    else if (strcmp(op, "poison") == 0) op_range_fill(t, "poison", PROBE_UFFDIO_POISON, "updated");
    else if (strcmp(op, "writeprotect") == 0) op_writeprotect(t);
    else if (strcmp(op, "move") == 0) op_move(t);
    else if (strcmp(op, "wake") == 0) op_wake(t);
    else if (strcmp(op, "pwrite") == 0) op_pwrite(t);
    else if (strcmp(op, "munmap") == 0) op_munmap(t);
    else if (strcmp(op, "madvise") == 0) op_madvise(t);
    else if (strcmp(op, "mremap") == 0) op_mremap(t);
    else if (strcmp(op, "truncate") == 0) op_truncate(t);
    else if (strcmp(op, "fork") == 0) op_fork();
    else if (strcmp(op, "close") == 0) op_close(t);
    else if (strcmp(op, "readevent") == 0) op_readevent(t);
    else if (strcmp(op, "fault") == 0) op_fault(t);
    else reject("op '%s' is not supported by the kernel probe", op);
}

/** Runs one script in the current (child) process and exits. */
__attribute__((noreturn)) static void run_script(char *text, int batch) {
    struct script_state state;
    memset(&state, 0, sizeof state);
    state.batch = batch;
    g_state = &state;
    alarm(ALARM_SECONDS);
    new_context("uffd0");
    int line_no = 0;
    char *cursor = text;
    while (cursor && *cursor) {
        char *nl = strchr(cursor, '\n');
        if (nl) *nl = '\0';
        line_no++;
        state.line = line_no;
        struct line_tokens t;
        if (tokenize(cursor, &t)) run_line(&t);
        cursor = nl ? nl + 1 : NULL;
    }
    fflush(stdout);
    _exit(EXIT_RAN);
}

/** Forks a child for one script and returns its exit status (3 when killed by the alarm). */
static int run_in_child(char *text, int batch) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("uffd-probe: fork");
        return EXIT_SETUP;
    }
    if (pid == 0) run_script(text, batch);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return EXIT_SETUP;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    fprintf(stderr, "uffd-probe: script killed by signal %d%s\n", WTERMSIG(status),
            WTERMSIG(status) == SIGALRM ? " (it blocked)" : "");
    if (batch) printf("# killed by signal %d\n", WTERMSIG(status));
    fflush(stdout);
    return EXIT_UNSUPPORTED;
}

static char *read_all(FILE *f) {
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
        }
    }
    buf[len] = '\0';
    return buf;
}

static int is_separator(const char *line, size_t len) {
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
    return len == 3 && memcmp(line, "---", 3) == 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fputs("usage: uffd-probe SCRIPT_FILE | -\n", stderr);
        return EXIT_USAGE;
    }
    FILE *f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
    if (!f) {
        perror("uffd-probe: open script");
        return EXIT_USAGE;
    }
    char *text = read_all(f);
    if (f != stdin) fclose(f);
    if (!text) {
        fputs("uffd-probe: cannot read the script\n", stderr);
        return EXIT_USAGE;
    }
    /* Split into scripts at `---` lines. */
    char *scripts[4096];
    int nscripts = 0;
    scripts[nscripts++] = text;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (is_separator(p, len)) {
            *p = '\0';
            if (nscripts >= 4096) {
                fputs("uffd-probe: too many scripts\n", stderr);
                return EXIT_USAGE;
            }
            scripts[nscripts++] = nl ? nl + 1 : p + len;
        }
        if (!nl) break;
        p = nl + 1;
    }
    int batch = nscripts > 1;
    if (!batch) return run_in_child(text, 0);
    int worst = EXIT_RAN;
    for (int i = 0; i < nscripts; i++) {
        int code = run_in_child(scripts[i], 1);
        printf("--- exit=%d\n", code);
        fflush(stdout);
        if (code == EXIT_NO_UFFD) return EXIT_NO_UFFD;
        if (code > worst) worst = code;
    }
    return worst == EXIT_UNSUPPORTED ? EXIT_RAN : worst;
}
