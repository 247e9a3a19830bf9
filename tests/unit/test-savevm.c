/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the registry and the stream (src/savevm.c,
 * src/savevm-io.c) against QEMU 7.2's reference streams: decoding the
 * serial registers, byte-identical load/save round trips of both
 * shapes, every refusal QEMU makes (each vector in neg/ and
 * synthesized ones) with its message, and for every refusal proof
 * that the registered state is byte-identical afterwards.  Also the
 * fd and path writers against /dev/full, closed fds and read-only
 * fds, and the bounded fd reader.  Registries come from
 * savevm-fixtures.c (what is real there and what is a test double is
 * written at its top).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "savevm-fixtures.h"

static uint8_t *xenlike, *footers;
static size_t xenlike_len, footers_len;

static struct fixture fx_xen, fx_qemu;

static void load_vectors(void)
{
    xenlike = fix_read_file(fix_vector("pc-serial-xenlike.bin"),
                            &xenlike_len);
    footers = fix_read_file(fix_vector("pc-serial.bin"), &footers_len);
    if (xenlike == NULL || footers == NULL) {
        printf("Bail out! vectors not found under %s\n",
               fix_vector(""));
        exit(1);
    }
    if (fix_build(&fx_xen, fix_vector("pc-serial-xenlike.dump.txt")) < 0 ||
        fix_build(&fx_qemu, fix_vector("pc-serial.dump.txt")) < 0) {
        printf("Bail out! cannot build the fixture registries\n");
        exit(1);
    }
}

/*
 * Loads `data` and checks it is refused with `msg`, the registry's
 * state byte-identical and no loaded hook called.
 */
static void expect_refused(struct fixture *f, const void *data, size_t len,
                           const char *what, const char *msg)
{
    size_t blen, alen;
    uint8_t *before = fix_snapshot(f, &blen), *after;
    int calls = f->loaded_calls, rc;
    char err[512];

    rc = savevm_load_buf(f->sv, data, len, err, sizeof(err));
    after = fix_snapshot(f, &alen);
    ok(rc < 0 && strstr(err, msg) != NULL, "%s refused: %s", what, err);
    ok(blen == alen && memcmp(before, after, blen) == 0 &&
           f->loaded_calls == calls,
       "%s: every state byte-identical, no hook called", what);
    free(before);
    free(after);
}

static void test_decode_and_round_trip(void)
{
    struct fix_serial_state *u = &fx_xen.serial.state;
    struct wbuf b;
    char err[512];
    int rc;

    rc = savevm_load_buf(fx_xen.sv, xenlike, xenlike_len, err, sizeof(err));
    ok(rc == 0, "pc-serial-xenlike.bin loads (%s)", rc ? err : "ok");
    is_int(u->divider, 12, "serial divider 12");
    is_int(u->lsr, 0x60, "serial lsr 0x60");
    is_int(u->msr, 0xb0, "serial msr 0xb0");
    ok(u->iir == 0x01 && u->mcr == 0x08 && u->fcr_vmstate == 0,
       "serial iir, mcr, fcr_vmstate");
    ok(fx_xen.timers.cpu_ticks_offset == 0 &&
           fx_xen.timers.cpu_clock_offset == 0, "timer section decoded");
    is_int(fx_xen.loaded_calls, 1, "loaded hook called once after commit");

    wbuf_init(&b, 0);
    rc = savevm_save_buf(fx_xen.sv, &b, 0, err, sizeof(err));
    ok(rc == 0 && b.len == xenlike_len &&
           memcmp(b.data, xenlike, xenlike_len) == 0,
       "Xen-shape save reproduces pc-serial-xenlike.bin byte for byte");
    wbuf_free(&b);

    rc = savevm_load_buf(fx_qemu.sv, footers, footers_len, err, sizeof(err));
    ok(rc == 0, "pc-serial.bin (footers, globalstate) loads (%s)",
       rc ? err : "ok");
    is_int(fx_qemu.serial.state.divider, 12, "footer shape: divider 12");
    wbuf_init(&b, 0);
    rc = savevm_save_buf(fx_qemu.sv, &b, SAVEVM_FOOTERS, err, sizeof(err));
    ok(rc == 0 && b.len == footers_len &&
           memcmp(b.data, footers, footers_len) == 0,
       "footer-shape save reproduces pc-serial.bin byte for byte");

    /* Different register values decode to what was written. */
    u->divider = 0x0102;
    u->lsr = 0x21;
    u->msr = 0x10;
    wbuf_reset(&b);
    savevm_save_buf(fx_xen.sv, &b, 0, err, sizeof(err));
    u->divider = u->lsr = u->msr = 0;
    rc = savevm_load_buf(fx_xen.sv, b.data, b.len, err, sizeof(err));
    ok(rc == 0 && u->divider == 0x0102 && u->lsr == 0x21 && u->msr == 0x10,
       "changed registers survive save and load");

    /* The serial subsection appears only when needed, and loads. */
    u->thr_ipending = 1;
    wbuf_reset(&b);
    savevm_save_buf(fx_xen.sv, &b, 0, err, sizeof(err));
    is_int(b.len, xenlike_len + 2 + 19 + 4 + 4, "needed subsection written");
    u->thr_ipending = 0;
    rc = savevm_load_buf(fx_xen.sv, b.data, b.len, err, sizeof(err));
    ok(rc == 0 && u->thr_ipending == 1, "subsection loads back");
    u->thr_ipending = 0;
    wbuf_free(&b);

    /* The built-in table (fuzzer, bench) matches the vector too. */
    {
        struct fixture t;

        ok(fix_build_table(&t, fix_pc_serial, false) == 0 &&
               savevm_load_buf(t.sv, xenlike, xenlike_len, err,
                               sizeof(err)) == 0,
           "built-in section table loads pc-serial-xenlike.bin");
        wbuf_init(&b, 0);
        savevm_save_buf(t.sv, &b, 0, err, sizeof(err));
        ok(b.len == xenlike_len && memcmp(b.data, xenlike, b.len) == 0,
           "and saves it back byte for byte");
        wbuf_free(&b);
        fix_free(&t);
    }
    /* Back to the vector's state for the refusal tests. */
    savevm_load_buf(fx_xen.sv, xenlike, xenlike_len, err, sizeof(err));
}

struct neg_case {
    const char *file;
    const char *msg;
};

static const struct neg_case neg_cases[] = {
    { "neg/badmagic.bin", "Not a migration stream, magic: 5145564e != "
                          "5145564d" },
    { "neg/no-eof.bin", "truncated stream: input ends inside the section "
                        "list (no EOF)" },
    { "neg/serial-version4.bin", "unsupported version 4 for 'serial' v3" },
    { "neg/truncated-4096.bin", "Failed to load i8254:raw: truncated" },
    { "neg/unknown-idstr.bin", "Unknown section or instance 'serjal' 0. Make "
                             "sure that your current VM setup matches" },
    { "neg/version2.bin", "SaveVM v2 format is obsolete and no longer "
                          "supported" },
    { "neg/version4.bin", "Unsupported migration stream version 4" },
};

static void test_neg_vectors(void)
{
    size_t i, len;
    uint8_t *data;

    for (i = 0; i < sizeof(neg_cases) / sizeof(neg_cases[0]); i++) {
        data = fix_read_file(fix_vector(neg_cases[i].file), &len);
        if (!ok(data != NULL, "read %s", neg_cases[i].file)) {
            continue;
        }
        expect_refused(&fx_xen, data, len, neg_cases[i].file,
                       neg_cases[i].msg);
        free(data);
    }
}

/* Offset of the serial section's FULL byte and its body in xenlike. */
#define SERIAL_AT 0x3111u
#define SERIAL_BODY (SERIAL_AT + 1 + 4 + 1 + 6 + 4 + 4)
#define TIMER_VERSION_AT (0x08 + 1 + 4 + 1 + 5 + 4 + 3)

static uint8_t *copy_xenlike(void)
{
    uint8_t *d = malloc(xenlike_len + 64);

    memcpy(d, xenlike, xenlike_len);
    return d;
}

/* Inserts `n` bytes at `at` into a copy of xenlike; returns new length. */
static size_t insert_at(uint8_t *d, size_t at, const void *ins, size_t n)
{
    memmove(d + at + n, d + at, xenlike_len - at);
    memcpy(d + at, ins, n);
    return xenlike_len + n;
}

static void test_synth_refusals(void)
{
    static const uint8_t ram[] = { 0x04, 0, 0, 0, 1, 3, 'r', 'a', 'm',
                                   0, 0, 0, 0, 0, 0, 0, 4 };
    uint8_t *d = copy_xenlike();
    size_t len, cut, bad = 0;
    char what[64];
    int t;

    /* Section types a device-only load refuses. */
    for (t = QEMU_VM_SECTION_START; t <= QEMU_VM_COMMAND; t++) {
        if (t == QEMU_VM_SECTION_FULL || t == QEMU_VM_SUBSECTION) {
            continue;
        }
        memcpy(d, xenlike, xenlike_len);
        d[SERIAL_AT] = (uint8_t)t;
        snprintf(what, sizeof(what), "section type %d", t);
        expect_refused(&fx_xen, d, xenlike_len, what,
                       t == QEMU_VM_VMDESCRIPTION ||
                               t == QEMU_VM_CONFIGURATION
                           ? "Unknown section type"
                           : "not allowed in a device-only stream");
    }
    memcpy(d, xenlike, xenlike_len);
    d[SERIAL_AT] = 0x7e;
    expect_refused(&fx_xen, d, xenlike_len, "stray footer byte",
                   "Unknown section type 126");

    /* RAM: the section exists locally, but is never loaded. */
    memcpy(d, xenlike, xenlike_len);
    len = insert_at(d, SERIAL_AT, ram, sizeof(ram));
    expect_refused(&fx_xen, d, len, "RAM section",
                   "loadvm: ram RAM loading not allowed on Xen");

    /* Version below the local minimum (timer minimum is 1). */
    memcpy(d, xenlike, xenlike_len);
    d[TIMER_VERSION_AT] = 0;
    expect_refused(&fx_xen, d, xenlike_len, "timer version 0",
                   "timer: incoming version_id 0 is too old for local "
                   "minimum version_id 1");

    /* An unknown subsection under the serial prefix. */
    memcpy(d, xenlike, xenlike_len);
    len = insert_at(d, SERIAL_BODY + 11,
                    "\x05\x0aserial/xyz\x00\x00\x00\x01", 16);
    expect_refused(&fx_xen, d, len, "unknown subsection",
                   "VM subsection 'serial/xyz' in 'serial' does not exist");

    /* Bytes after EOF. */
    memcpy(d, xenlike, xenlike_len);
    d[xenlike_len] = 0x00;
    expect_refused(&fx_xen, d, xenlike_len + 1, "a byte after EOF",
                   "1 unexpected bytes after EOF");
    memcpy(d + xenlike_len, "\x06\x00\x00\x00\x02{}\x00", 8);
    expect_refused(&fx_xen, d, xenlike_len + 8, "bytes after VMDESCRIPTION",
                   "1 unexpected bytes after VMDESCRIPTION");
    memcpy(d + xenlike_len, "\x06\x00\x00\x00\x02{x", 7);
    expect_refused(&fx_xen, d, xenlike_len + 7, "VMDESCRIPTION not JSON",
                   "VMDESCRIPTION is not valid JSON");
    memcpy(d + xenlike_len, "\x06\x00\x00\x01\x00{}", 7);
    expect_refused(&fx_xen, d, xenlike_len + 7, "short VMDESCRIPTION",
                   "truncated stream: input ends inside the VMDESCRIPTION");

    /* Every truncation of the vector is refused, state untouched. */
    for (cut = 0; cut < xenlike_len; cut += (cut < 64 ? 1 : 97)) {
        size_t b1, b2;
        uint8_t *s1 = fix_snapshot(&fx_xen, &b1), *s2;
        char err[256];

        if (savevm_load_buf(fx_xen.sv, xenlike, cut, err, sizeof(err)) == 0 ||
            strstr(err, "truncated") == NULL) {
            bad++;
        }
        s2 = fix_snapshot(&fx_xen, &b2);
        bad += memcmp(s1, s2, b1) != 0;
        free(s1);
        free(s2);
    }
    is_int(bad, 0, "every truncation refused as truncated, state intact");
    free(d);
}

static void test_footers(void)
{
    uint8_t *d = malloc(footers_len);

    /* First footer is right after the timer body (0x33). */
    memcpy(d, footers, footers_len);
    d[0x33 + 4] = 0x09;
    expect_refused(&fx_qemu, d, footers_len, "mismatched footer",
                   "Mismatched section id in footer for timer - read 0x9 "
                   "expected 0x0");
    /* Footers seen once are required afterwards (cpu_common's at 0x58). */
    memcpy(d, footers, footers_len);
    d[0x58] = 0x7f;
    expect_refused(&fx_qemu, d, footers_len, "missing footer",
                   "Missing section footer for cpu_common");
    free(d);
}

static void test_config_vmdesc_alias(void)
{
    struct wbuf b;
    char err[512];
    uint8_t *json, *s;
    size_t jlen, len;
    int rc;

    wbuf_init(&b, 0);
    rc = savevm_save_buf(fx_xen.sv, &b, SAVEVM_QEMU_SHAPE, err, sizeof(err));
    ok(rc == 0 && b.data[8] == QEMU_VM_CONFIGURATION &&
           memcmp(b.data + 9, "\x00\x00\x00\x05xenfv", 9) == 0,
       "QEMU shape: configuration section with the machine name");
    rc = savevm_load_buf(fx_xen.sv, b.data, b.len, err, sizeof(err));
    ok(rc == 0, "QEMU shape (configuration + footers) loads (%s)",
       rc ? err : "ok");
    savevm_set_machine(fx_xen.sv, "pc-i440fx-7.2");
    expect_refused(&fx_xen, b.data, b.len, "other machine",
                   "Machine type received is 'xenfv' and local is "
                   "'pc-i440fx-7.2'");
    savevm_set_machine(fx_xen.sv, SAVEVM_DEFAULT_MACHINE);

    /* A trailing VMDESCRIPTION (QEMU's real one) is accepted. */
    json = fix_read_file(fix_vector("pc-serial.vmdesc.json"), &jlen);
    wbuf_reset(&b);
    wbuf_put(&b, xenlike, xenlike_len);
    wbuf_u8(&b, QEMU_VM_VMDESCRIPTION);
    wbuf_be32(&b, (uint32_t)jlen);
    wbuf_put(&b, json, jlen);
    rc = savevm_load_buf(fx_xen.sv, b.data, b.len, err, sizeof(err));
    ok(rc == 0, "stream + QEMU's VMDESCRIPTION loads (%s)", rc ? err : "ok");
    free(json);

    /* The serial's alias (QEMU: its ISA iobase 0x3f8) is accepted. */
    s = copy_xenlike();
    s[SERIAL_AT + 1 + 4 + 1 + 6 + 2] = 0x03;
    s[SERIAL_AT + 1 + 4 + 1 + 6 + 3] = 0xf8;
    rc = savevm_load_buf(fx_xen.sv, s, xenlike_len, err, sizeof(err));
    ok(rc == 0, "serial instance 0x3f8 found through its alias (%s)",
       rc ? err : "ok");
    s[SERIAL_AT + 1 + 4 + 1 + 6 + 3] = 0xf9;
    expect_refused(&fx_xen, s, xenlike_len, "instance neither id nor alias",
                   "Unknown section or instance 'serial' 1017");
    free(s);
    (void)len;
    wbuf_free(&b);
}

/* ------------------------------------------------------- registry */

static struct cpu_timers t1, t2;

static void test_registry(void)
{
    struct savevm *sv = savevm_new();
    struct savevm_reg reg = { .idstr = "dma", .instance_id = -1,
                              .alias_id = -1, .vmsd = &vmstate_cpu_timers,
                              .opaque = &t1, .size = sizeof(t1) };
    char id[64];

    is_int(savevm_register(sv, &reg), 0, "first section id 0");
    reg.opaque = &t2;
    is_int(savevm_register(sv, &reg), 1, "second section id 1");
    ok(savevm_find(sv, "dma", 1) == &vmstate_cpu_timers,
       "instance ids counted per idstr (dma 1 exists)");
    reg.instance_id = 1;
    is_int(savevm_register(sv, &reg), -EEXIST, "duplicate instance refused");
    reg.instance_id = -1;
    reg.size = 8;
    is_int(savevm_register(sv, &reg), -EINVAL,
           "description larger than the state refused");
    reg.size = sizeof(t2);
    reg.idstr = "";
    is_int(savevm_register(sv, &reg), -EINVAL, "empty idstr refused");
    savevm_free(sv);

    ok(savevm_pci_idstr(id, sizeof(id), 0, 0, 2, 0, "platform") == 0 &&
           strcmp(id, "0000:00:02.0/platform") == 0, "PCI idstr format");
    is_int(savevm_pci_idstr(id, sizeof(id), 0, 0, 32, 0, "x"), -EINVAL,
           "PCI slot out of range refused");
}

/* Priority: higher first; equal priority keeps registration order. */
static void test_priority(void)
{
    struct savevm *sv = savevm_new();
    struct cpu_timers a = { 1, 1 }, c = { 3, 3 };
    struct savevm_reg reg = { .idstr = "a", .instance_id = 0, .alias_id = -1,
                              .vmsd = &vmstate_cpu_timers, .opaque = &a,
                              .size = sizeof(a) };
    struct wbuf b;
    char err[256];

    savevm_register(sv, &reg);
    reg.idstr = "c";
    reg.opaque = &c;
    reg.priority = 5;
    savevm_register(sv, &reg);
    wbuf_init(&b, 0);
    savevm_save_buf(sv, &b, 0, err, sizeof(err));
    ok(b.len > 20 && b.data[14] == 'c', "higher priority saved first");
    is_int(b.data[12], 1, "but keeps its registration section id (1)");
    wbuf_free(&b);
    savevm_free(sv);
}

/* ------------------------------------------------------------ I/O */

static int pre_save_fail(void *opaque)
{
    return -EIO;
}

static const struct vmstate_desc failing_vmsd = {
    .name = "failing", .version_id = 1, .minimum_version_id = 1,
    .fields = (const struct vmstate_field[]){ VMSTATE_END },
    .pre_save = pre_save_fail,
};

static void test_io(void)
{
    char dir[] = "/tmp/xendm-savevm-XXXXXX", path[256], err[512];
    struct stat st;
    int fd, pfd[2], rc;
    size_t len;
    uint8_t *data;

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof(path), "%s/state", dir);
    rc = savevm_save_path(fx_xen.sv, path, 0, err, sizeof(err));
    data = fix_read_file(path, &len);
    ok(rc == 0 && data != NULL && len == xenlike_len &&
           memcmp(data, xenlike, len) == 0, "save to a path");
    free(data);
    rc = savevm_load_path(fx_xen.sv, path, err, sizeof(err));
    is_int(rc, 0, "load from a path");

    fd = open("/dev/full", O_WRONLY);
    rc = savevm_save_fd(fx_xen.sv, fd, 0, err, sizeof(err));
    ok(rc == -ENOSPC && strstr(err, "No space"), "/dev/full: -ENOSPC (%s)",
       err);
    close(fd);
    rc = savevm_save_path(fx_xen.sv, "/dev/full", 0, err, sizeof(err));
    ok(rc == -ENOSPC && stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode),
       "path /dev/full: -ENOSPC, device node left alone");

    fd = open(path, O_RDONLY);
    close(fd);
    rc = savevm_save_fd(fx_xen.sv, fd, 0, err, sizeof(err));
    is_int(rc, -EBADF, "closed fd: -EBADF");
    fd = open(path, O_RDONLY);
    rc = savevm_save_fd(fx_xen.sv, fd, 0, err, sizeof(err));
    is_int(rc, -EBADF, "read-only fd: -EBADF");
    close(fd);

    /* An fd the caller opened (as QMP passes a dup of an fdset fd). */
    snprintf(path, sizeof(path), "%s/byfd", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    rc = savevm_save_fd(fx_xen.sv, fd, 0, err, sizeof(err));
    close(fd);
    data = fix_read_file(path, &len);
    ok(rc == 0 && data && len == xenlike_len, "save to an open fd");
    free(data);

    /* Through a pipe: no seek, no sync, still complete. */
    if (pipe(pfd) == 0) {
        rc = savevm_save_fd(fx_xen.sv, pfd[1], 0, err, sizeof(err));
        close(pfd[1]);
        rc = rc == 0 ? savevm_load_fd(fx_xen.sv, pfd[0], err, sizeof(err))
                     : rc;
        close(pfd[0]);
        is_int(rc, 0, "save into a pipe and load from it");
    }

    /* A failing pre_save leaves the target path untouched. */
    {
        struct savevm *sv = savevm_new();
        struct savevm_reg reg = { .idstr = "failing", .alias_id = -1,
                                  .vmsd = &failing_vmsd, .opaque = &t1,
                                  .size = sizeof(t1) };
        savevm_register(sv, &reg);
        snprintf(path, sizeof(path), "%s/state", dir);
        rc = savevm_save_path(sv, path, 0, err, sizeof(err));
        data = fix_read_file(path, &len);
        ok(rc < 0 && strstr(err, "failing") && data && len == xenlike_len &&
               memcmp(data, xenlike, len) == 0,
           "failed save leaves the previous file intact (%s)", err);
        free(data);
        snprintf(path, sizeof(path), "%s/byfd", dir);
        fd = open(path, O_WRONLY | O_TRUNC);
        rc = savevm_save_fd(sv, fd, 0, err, sizeof(err));
        ok(rc < 0 && fstat(fd, &st) == 0 && st.st_size == 0,
           "failed save to an fd writes nothing");
        close(fd);
        savevm_free(sv);
    }

    /* Bounded read: a 64 MiB + 1 file is refused before parsing. */
    snprintf(path, sizeof(path), "%s/huge", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    rc = ftruncate(fd, SAVEVM_MAX_STREAM + 1);
    close(fd);
    rc = savevm_load_path(fx_xen.sv, path, err, sizeof(err));
    ok(rc == -EFBIG && strstr(err, "64 MiB"), "over 64 MiB refused (%s)", err);
    unlink(path);
    rc = savevm_load_path(fx_xen.sv, "/nonexistent/x", err, sizeof(err));
    is_int(rc, -ENOENT, "missing file: -ENOENT");
    rc = savevm_save_path(fx_xen.sv, "/nonexistent/x", 0, err, sizeof(err));
    is_int(rc, -ENOENT, "save into a missing directory: -ENOENT");

    snprintf(path, sizeof(path), "%s/state", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/byfd", dir);
    unlink(path);
    ok(rmdir(dir) == 0, "no temporary file left behind");
}

int main(void)
{
    load_vectors();
    test_decode_and_round_trip();
    test_neg_vectors();
    test_synth_refusals();
    test_footers();
    test_config_vmdesc_alias();
    test_registry();
    test_priority();
    test_io();
    fix_free(&fx_xen);
    fix_free(&fx_qemu);
    free(xenlike);
    free(footers);
    return tap_done();
}
