/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness: random ioreqs against the emulated machine.
 *
 * The input is a sequence of 32-byte ioreq_t records, each handed to
 * the dispatcher as a vCPU slot would be (any type, size, count,
 * direction, df and data_is_ptr, addresses anywhere), with 64 KiB of
 * fake guest memory behind data_is_ptr; a trailing partial record is
 * used as a buffered ring (pointers and slots from the input).  Between
 * requests the machine's timers run and shutdown requests are taken,
 * and at the end its state is saved: all must hold together without
 * a crash, a sanitizer report or an unbounded loop.  The whole
 * machine's stream is then loaded back into it: whatever a guest can
 * do must leave a state xendm's own load validation accepts (abort()
 * otherwise, so the fuzzer reports it).  The machine has
 * a fw_cfg device with a few items (as for -kernel) and guest memory
 * holds a valid DMA descriptor at 0x100 (select KERNEL_DATA, read 64
 * bytes to 0x1000), so port writes to 0x514/0x518 reach the DMA code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "hw/emu/ioreq.h"
#include "savevm.h"
#include "vmstate.h"

#define GUEST_MEM (64 * 1024)

static uint8_t guest[GUEST_MEM];

static int mem_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    (void)o;
    if (gpa >= GUEST_MEM || len > GUEST_MEM - gpa) {
        return -14;
    }
    memcpy(buf, guest + gpa, len);
    return 0;
}

static int mem_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    (void)o;
    if (gpa >= GUEST_MEM || len > GUEST_MEM - gpa) {
        return -14;
    }
    memcpy(guest + gpa, buf, len);
    return 0;
}

static void mem_invalidate(void *o)
{
    (void)o;
}

static const struct ioreq_mem_ops fake_mem = {
    mem_read, mem_write, mem_invalidate,
};

static int64_t fake_now(void *o)
{
    return *(int64_t *)o;
}

static const struct machine_host_ops fake_host = { .now = fake_now };

/* The machine's stream must load back into the machine that wrote it. */
static void round_trip(struct machine *m)
{
    struct savevm *sv = savevm_new();
    struct wbuf out;
    char err[256];

    if (sv == NULL || machine_register_state(m, sv) < 0) {
        abort();
    }
    wbuf_init(&out, 0);
    if (savevm_save_buf(sv, &out, 0, err, sizeof(err)) < 0 ||
        savevm_load_buf(sv, out.data, out.len, err, sizeof(err)) < 0) {
        abort();
    }
    wbuf_free(&out);
    savevm_free(sv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct machine m;
    static struct fwcfg f;
    static const uint8_t desc[16] = {
        0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 64, 0, 0x11, 0, 0x0a,
    };
    static uint8_t kernel[5000];
    static buffered_iopage_t bp;
    struct machine_config cfg;
    struct ioreq_dispatch d;
    struct wbuf out;
    int64_t now = 0;
    size_t off = 0;

    machine_config_xenfv(&cfg, 256);
    cfg.nr_serial = 2;
    machine_init(&m, &cfg, &fake_host, &now);
    fwcfg_init(&f, false, true); /* DMA on: more code to reach */
    fwcfg_add_bytes(&f, FWCFG_KERNEL_DATA, kernel, sizeof(kernel), false);
    fwcfg_add_i32(&f, FWCFG_KERNEL_SIZE, sizeof(kernel));
    fwcfg_add_file(&f, "bootorder", "/rom@genroms/x", 15, false);
    machine_attach_fwcfg(&m, &f);
    ioreq_dispatch_init(&d, &m, &fake_mem, NULL);
    memset(guest, 0xa5, sizeof(guest));
    memcpy(guest + 0x100, desc, sizeof(desc));
    for (; size - off >= sizeof(ioreq_t); off += sizeof(ioreq_t)) {
        ioreq_t req;

        memcpy(&req, data + off, sizeof(req));
        ioreq_dispatch(&d, &req);
        now += 1000000;
        machine_run_timers(&m, now);
        machine_take_shutdown(&m);
    }
    if (size - off >= 8) {
        memset(&bp, 0, sizeof(bp));
        memcpy(&bp.read_pointer, data + off, 4);
        memcpy(&bp.write_pointer, data + off + 4, 4);
        off += 8;
        memcpy(bp.buf_ioreq, data + off,
               size - off < sizeof(bp.buf_ioreq) ? size - off
                                                 : sizeof(bp.buf_ioreq));
        ioreq_drain_buffered(&d, &bp);
    }
    wbuf_init(&out, 0);
    vmstate_save(&out, &serial_isa_vmsd, &m.serial[0].st);
    vmstate_save(&out, &pckbd_isa_vmsd, &m.kbd.st);
    vmstate_save(&out, &platform_vmsd, &m.platform.st);
    vmstate_save(&out, &fwcfg_vmsd, &f.st);
    vmstate_save(&out, &port92_vmsd, &m.port92.st);
    vmstate_save(&out, &cmos_vmsd, &m.cmos.st);
    wbuf_free(&out);
    round_trip(&m);
    return 0;
}
