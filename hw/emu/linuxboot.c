/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Direct Linux boot through fw_cfg (see linuxboot.h).
 *
 * Layout for a bzImage, following x86_load_linux: the real-mode
 * setup (setup_sects + 1 sectors, 4 + 1 when the field is 0) goes to
 * 0x10000 with the command line at 0x20000 for protocol 2.02 and
 * newer, or to 0x90000 with the command line just below 0x9a000 for
 * 2.00/2.01; the protected-mode kernel goes to 1 MiB.  The first 8 KiB
 * of the file, patched, replace the start of the setup part.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linuxboot.h"

#define HDR_LEN                    8192
#define MAX_KERNEL                 (256u << 20)
#define MAX_ROM                    (1u << 20)
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x2
#define LOADED_HIGH                0x1

/* QEMU's default firmware directories (Debian, /usr/local, Xen's). */
static const char *const rom_default_dirs[] = {
    "/usr/share/qemu",
    "/usr/local/share/qemu",
    "/usr/share/qemu-xen",
    "/usr/lib/xen/share/qemu-xen",
    NULL,
};

/* bootorder entries (with their NUL), as get_boot_devices_list makes */
static const char bootorder_dma[] = "/rom@genroms/" LINUXBOOT_ROM_DMA;
static const char bootorder_pio[] = "/rom@genroms/" LINUXBOOT_ROM_PIO;

struct lb_ctx {
    struct fwcfg *f;
    const struct linuxboot_config *c;
    char *err;
    size_t errlen;
    uint8_t hdr[HDR_LEN];
    uint16_t protocol;
    uint32_t real_addr, cmdline_addr, prot_addr, initrd_max;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

static int lb_fail(struct lb_ctx *x, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lb_fail(struct lb_ctx *x, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* Opens a regular file and returns its size in *size (<= max). */
static int lb_open(struct lb_ctx *x, const char *what, const char *path,
                   uint64_t max, uint64_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
        }
        snprintf(x->err, x->errlen, "%s %s: %s", what, path, strerror(e));
        return -e;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        snprintf(x->err, x->errlen, "%s %s: %s", what, path,
                 S_ISREG(st.st_mode) ? "too large" : "not a regular file");
        return -EINVAL;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static int lb_pread(struct lb_ctx *x, int fd, const char *path, void *buf,
                    size_t len, uint64_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n =
            pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            snprintf(x->err, x->errlen, "%s: %s", path,
                     n < 0 ? strerror(errno) : "file shrank while read");
            return n < 0 ? -errno : -EIO;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Checks the boot header and picks the addresses (x86_load_linux). */
static int lb_header(struct lb_ctx *x, uint64_t ksize)
{
    uint64_t limit;

    if (ksize < 0x250 || le32(x->hdr + 0x202) != 0x53726448) {
        return lb_fail(x, -EINVAL,
                       "-kernel %s: not a Linux bzImage (no "
                       "'HdrS' boot header)",
                       x->c->kernel);
    }
    x->protocol = le16(x->hdr + 0x206);
    if (x->protocol < 0x200 || !(x->hdr[0x211] & LOADED_HIGH)) {
        return lb_fail(x, -EINVAL,
                       "-kernel %s: a zImage or boot protocol "
                       "before 2.00; only bzImage kernels are supported",
                       x->c->kernel);
    }
    x->real_addr = x->protocol < 0x202 ? 0x90000 : 0x10000;
    x->prot_addr = 0x100000;
    if (x->protocol >= 0x20c &&
        (le16(x->hdr + 0x236) & XLF_CAN_BE_LOADED_ABOVE_4G)) {
        x->initrd_max = UINT32_MAX;
    } else if (x->protocol >= 0x203) {
        x->initrd_max = le32(x->hdr + 0x22c);
    } else {
        x->initrd_max = 0x37ffffff;
    }
    limit = x->c->below_4g - LINUXBOOT_ACPI_DATA_SIZE;
    if (x->initrd_max >= limit) {
        x->initrd_max = (uint32_t)(limit - 1);
    }
    return 0;
}

/* The vga= option of the command line, as QEMU reads it. */
static int lb_vga(struct lb_ctx *x, const char *cmdline)
{
    const char *v = strstr(cmdline, "vga=");
    unsigned long mode;
    char *end;

    if (v == NULL) {
        return 0;
    }
    v += 4;
    if (strncmp(v, "normal", 6) == 0) {
        mode = 0xffff;
    } else if (strncmp(v, "ext", 3) == 0) {
        mode = 0xfffe;
    } else if (strncmp(v, "ask", 3) == 0) {
        mode = 0xfffd;
    } else {
        errno = 0;
        mode = strtoul(v, &end, 0);
        if (errno != 0 || end == v || *v == '-' || mode > UINT32_MAX ||
            (*end != '\0' && *end != ' ')) {
            return lb_fail(x, -EINVAL,
                           "-append: invalid 'vga=' kernel "
                           "parameter");
        }
    }
    put_le16(x->hdr + 0x1fa, (uint32_t)mode);
    return 0;
}

static int lb_cmdline(struct lb_ctx *x)
{
    const char *cmdline = x->c->cmdline ? x->c->cmdline : "";
    size_t len = strlen(cmdline);
    uint32_t aligned = (uint32_t)((len + 16) & ~(size_t)15);
    char *copy;
    int rc;

    if (len > 0x10000) {
        return lb_fail(x, -E2BIG, "-append: command line too long");
    }
    x->cmdline_addr = x->protocol < 0x202 ? 0x9a000 - aligned : 0x20000;
    copy = strdup(cmdline);
    if (copy == NULL) {
        return lb_fail(x, -ENOMEM, "out of memory");
    }
    rc = fwcfg_add_bytes(x->f, FWCFG_CMDLINE_DATA, copy, (uint32_t)len + 1,
                         true);
    if (rc < 0) {
        free(copy);
        return lb_fail(x, rc, "fw_cfg: command line");
    }
    fwcfg_add_i32(x->f, FWCFG_CMDLINE_ADDR, x->cmdline_addr);
    fwcfg_add_i32(x->f, FWCFG_CMDLINE_SIZE, (uint32_t)len + 1);
    if (x->protocol >= 0x202) {
        put_le32(x->hdr + 0x228, x->cmdline_addr);
    } else {
        put_le16(x->hdr + 0x20, 0xa33f);
        put_le16(x->hdr + 0x22, x->cmdline_addr - x->real_addr);
    }
    rc = lb_vga(x, cmdline);
    if (rc < 0) {
        return rc;
    }
    x->hdr[0x210] = 0xb0; /* loader type: QEMU */
    if (x->protocol >= 0x201) {
        x->hdr[0x211] |= 0x80; /* CAN_USE_HEAP */
        put_le16(x->hdr + 0x224, x->cmdline_addr - x->real_addr - 0x200);
    }
    return 0;
}

/* Reads a whole file of at most `max` bytes into a new buffer. */
static int lb_slurp(struct lb_ctx *x, const char *what, const char *path,
                    uint64_t max, uint8_t **out, uint32_t *len)
{
    uint64_t size;
    int fd = lb_open(x, what, path, max, &size);
    int rc;

    if (fd < 0) {
        return fd;
    }
    *out = malloc(size ? (size_t)size : 1);
    if (*out == NULL) {
        close(fd);
        return lb_fail(x, -ENOMEM, "%s: out of memory", path);
    }
    rc = lb_pread(x, fd, path, *out, (size_t)size, 0);
    close(fd);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        return rc;
    }
    *len = (uint32_t)size;
    return 0;
}

static int lb_add_owned(struct lb_ctx *x, uint16_t key, uint8_t *data,
                        uint32_t len)
{
    int rc = fwcfg_add_bytes(x->f, key, data, len, true);

    if (rc < 0) {
        free(data);
        snprintf(x->err, x->errlen, "fw_cfg: item 0x%x: %s", key,
                 strerror(-rc));
    }
    return rc;
}

static int lb_initrd(struct lb_ctx *x)
{
    uint8_t *data;
    uint32_t len, addr;
    int rc;

    if (x->c->initrd == NULL) {
        return 0;
    }
    rc = lb_slurp(x, "-initrd", x->c->initrd, UINT32_MAX, &data, &len);
    if (rc < 0) {
        return rc;
    }
    if (len >= x->initrd_max) {
        free(data);
        snprintf(x->err, x->errlen,
                 "-initrd %s: too large (%u bytes; at "
                 "most %u fit below the kernel's and the guest's limit)",
                 x->c->initrd, len, x->initrd_max);
        return -EFBIG;
    }
    addr = (x->initrd_max - len) & ~4095u;
    rc = lb_add_owned(x, FWCFG_INITRD_DATA, data, len);
    if (rc < 0) {
        return rc;
    }
    fwcfg_add_i32(x->f, FWCFG_INITRD_ADDR, addr);
    fwcfg_add_i32(x->f, FWCFG_INITRD_SIZE, len);
    put_le32(x->hdr + 0x218, addr);
    put_le32(x->hdr + 0x21c, len);
    return 0;
}

static int lb_kernel(struct lb_ctx *x, int fd, uint64_t ksize)
{
    uint32_t setup_size = x->hdr[0x1f1] ? x->hdr[0x1f1] : 4;
    uint32_t kernel_size;
    uint8_t *setup, *kernel;
    int rc;

    setup_size = (setup_size + 1) * 512;
    if (setup_size > ksize) {
        return lb_fail(x, -EINVAL,
                       "-kernel %s: invalid kernel header "
                       "(setup larger than the file)",
                       x->c->kernel);
    }
    kernel_size = (uint32_t)(ksize - setup_size);
    setup = malloc(setup_size);
    kernel = malloc(kernel_size ? kernel_size : 1);
    if (setup == NULL || kernel == NULL) {
        free(setup);
        free(kernel);
        return lb_fail(x, -ENOMEM, "-kernel %s: out of memory", x->c->kernel);
    }
    rc = lb_pread(x, fd, x->c->kernel, setup, setup_size, 0);
    rc = rc ? rc
            : lb_pread(x, fd, x->c->kernel, kernel, kernel_size, setup_size);
    if (rc < 0) {
        free(setup);
        free(kernel);
        return rc;
    }
    memcpy(setup, x->hdr, setup_size < HDR_LEN ? setup_size : HDR_LEN);
    rc = lb_add_owned(x, FWCFG_KERNEL_DATA, kernel, kernel_size);
    if (rc < 0) {
        free(setup);
        return rc;
    }
    rc = lb_add_owned(x, FWCFG_SETUP_DATA, setup, setup_size);
    if (rc < 0) {
        return rc;
    }
    fwcfg_add_i32(x->f, FWCFG_KERNEL_ADDR, x->prot_addr);
    fwcfg_add_i32(x->f, FWCFG_KERNEL_SIZE, kernel_size);
    fwcfg_add_i32(x->f, FWCFG_SETUP_ADDR, x->real_addr);
    fwcfg_add_i32(x->f, FWCFG_SETUP_SIZE, setup_size);
    return 0;
}

static const char *lb_rom_name(const struct lb_ctx *x)
{
    return x->f->st.dma_enabled ? LINUXBOOT_ROM_DMA : LINUXBOOT_ROM_PIO;
}

static int lb_rom_in(struct lb_ctx *x, const char *dir, uint8_t **data,
                     uint32_t *len)
{
    char path[4096];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, lb_rom_name(x)) >=
        sizeof(path)) {
        return -ENAMETOOLONG;
    }
    if (access(path, R_OK) < 0) {
        return -errno;
    }
    return lb_slurp(x, "option ROM", path, MAX_ROM, data, len);
}

static int lb_rom(struct lb_ctx *x)
{
    const char *const *lists[2] = {x->c->rom_dirs, rom_default_dirs};
    char name[FWCFG_MAX_FILE_PATH];
    uint8_t *data = NULL;
    uint32_t len = 0;
    int rc = -ENOENT;
    size_t l, i;

    for (l = 0; l < 2 && rc == -ENOENT; l++) {
        for (i = 0; lists[l] && lists[l][i] && rc == -ENOENT; i++) {
            rc = lb_rom_in(x, lists[l][i], &data, &len);
            if (rc == -EACCES || rc == -ENOTDIR) {
                rc = -ENOENT;
            }
        }
    }
    if (rc == -ENOENT) {
        return lb_fail(x, rc,
                       "-kernel: option ROM %s not found in the -L "
                       "directories nor QEMU's data directories (install "
                       "qemu-system-data or pass -L DIR)",
                       lb_rom_name(x));
    }
    if (rc < 0) {
        return rc;
    }
    snprintf(name, sizeof(name), "genroms/%s", lb_rom_name(x));
    rc = fwcfg_add_file(x->f, name, data, len, true);
    if (rc < 0) {
        free(data);
        return lb_fail(x, rc, "fw_cfg: cannot add %s", name);
    }
    return 0;
}

int linuxboot_load(struct fwcfg *f, const struct linuxboot_config *c, char *err,
                   size_t errlen)
{
    struct lb_ctx *x;
    uint64_t ksize;
    int fd, rc;

    if (c->below_4g <= LINUXBOOT_ACPI_DATA_SIZE + (2u << 20)) {
        snprintf(err, errlen, "-kernel: guest RAM too small");
        return -EINVAL;
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->f = f;
    x->c = c;
    x->err = err;
    x->errlen = errlen;
    fd = lb_open(x, "-kernel", c->kernel, MAX_KERNEL, &ksize);
    if (fd < 0) {
        free(x);
        return fd;
    }
    rc = lb_pread(x, fd, c->kernel, x->hdr,
                  ksize < HDR_LEN ? (size_t)ksize : HDR_LEN, 0);
    rc = rc ? rc : lb_header(x, ksize);
    rc = rc ? rc : lb_cmdline(x);
    rc = rc ? rc : lb_initrd(x);
    rc = rc ? rc : lb_kernel(x, fd, ksize);
    close(fd);
    rc = rc ? rc : lb_rom(x);
    if (rc == 0) {
        if (f->st.dma_enabled) {
            fwcfg_add_file(f, "bootorder", bootorder_dma, sizeof(bootorder_dma),
                           false);
        } else {
            fwcfg_add_file(f, "bootorder", bootorder_pio, sizeof(bootorder_pio),
                           false);
        }
        fwcfg_add_file(f, "bios-geometry", NULL, 0, false);
        fwcfg_add_i16(f, FWCFG_NB_CPUS, c->nb_cpus);
    }
    free(x);
    return rc;
}
