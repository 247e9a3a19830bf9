/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's timers on the VM clock (src/cpu-timers.h): the UART's
 * receive-FIFO timeout, whose deadline QEMU keeps on
 * QEMU_CLOCK_VIRTUAL.  The machine's host hook reads the VM clock at a
 * host time the test sets, so every step is exact:
 *  - before the VM first runs the VM clock is 0, as in a QEMU started
 *    with -S: the same port writes give QEMU 7.2's "serial" section
 *    (with its serial/fifo_timeout_timer subsection) and "timer"
 *    section byte for byte (tests/vectors/xendm-made/hvm/serial-rx);
 *  - a timeout armed while running does not fire while the VM is
 *    stopped, however long the host waits, and fires at its VM-clock
 *    deadline after cont;
 *  - saved while pending and loaded on a "host" whose monotonic clock
 *    is elsewhere, the VM clock and the deadline come back, and the
 *    timeout fires after exactly the remaining VM time;
 *  - a stream whose clock offset could overflow a deadline is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "cpu-timers.h"
#include "hvm-util.h"
#include "savevm.h"

#define VEC "tests/vectors/xendm-made/hvm/serial-rx.bin"
#define IIR_TIMEOUT 0xcc /* FIFOs on, character timeout */

struct rig {
    struct machine m;
    struct cpu_timers clock;
    uint64_t host; /* the host monotonic clock, set by the test */
    struct savevm *sv;
    char rx[64]; /* received bytes the UART could not take yet */
    size_t rx_len;
};

static int64_t rig_now(void *opaque)
{
    const struct rig *r = opaque;

    return cpu_timers_now(&r->clock, r->host);
}

static const struct machine_host_ops rig_ops = {
    .now = rig_now,
};

static void rig_init(struct rig *r, uint64_t host)
{
    struct machine_config cfg;

    memset(r, 0, sizeof(*r));
    r->host = host;
    test_config_pc(&cfg);
    machine_init(&r->m, &cfg, &rig_ops, r);
    r->sv = savevm_new();
    cpu_timers_register(r->sv, &r->clock);
    machine_register_state(&r->m, r->sv);
}

/*
 * Offers held bytes while the UART takes them, as the chardev layer
 * does between two guest accesses (QEMU's vectors were made so).
 */
static void rx_flush(struct rig *r)
{
    size_t took;

    while (r->rx_len > 0 &&
           (took = serial_receive(&r->m.serial[0], (const uint8_t *)r->rx,
                                  r->rx_len)) > 0) {
        memmove(r->rx, r->rx + took, r->rx_len - took);
        r->rx_len -= took;
    }
}

static void receive(struct rig *r, const char *bytes, size_t len)
{
    if (len <= sizeof(r->rx) - r->rx_len) {
        memcpy(r->rx + r->rx_len, bytes, len);
        r->rx_len += len;
    }
    rx_flush(r);
}

static void out(struct rig *r, uint16_t port, uint32_t v)
{
    machine_pio(&r->m, port, 1, true, &v);
    rx_flush(r);
}

static uint32_t in(struct rig *r, uint16_t port)
{
    uint32_t v = 0;

    machine_pio(&r->m, port, 1, false, &v);
    rx_flush(r);
    return v;
}

/* The port writes of the serial-rx vector: 9600 8N1, FIFOs, RDI. */
static void uart_program(struct rig *r)
{
    out(r, 0x3fb, 0x83);
    out(r, 0x3f8, 0x01);
    out(r, 0x3f9, 0x00);
    out(r, 0x3fb, 0x03);
    out(r, 0x3fa, 0xc7);
    out(r, 0x3f9, 0x01);
}

static void run(struct rig *r)
{
    machine_run_timers(&r->m, rig_now(r));
}

/* The section `idstr` of stream a equals that of stream b. */
static void same_section(const uint8_t *a, size_t alen, const uint8_t *b,
                         size_t blen, const char *idstr, size_t len)
{
    long x = test_find_section(a, alen, idstr, 0, NULL);
    long y = test_find_section(b, blen, idstr, 0, NULL);

    if (ok(x > 0 && y > 0 && (size_t)x + len <= alen &&
           (size_t)y + len <= blen, "%s: in both streams", idstr)) {
        is_mem(a + x, b + y, len, "%s: %zu bytes as QEMU's", idstr, len);
    }
}

static void test_like_qemu_stopped(void)
{
    static struct rig r;
    char path[512];
    size_t qlen = 0;
    uint8_t *qemu = test_read_file(test_srcpath(path, sizeof(path), VEC),
                                   &qlen);
    struct wbuf s, ser;
    long y;
    int i;

    rig_init(&r, 123456789012ull); /* any host time: the VM never ran */
    uart_program(&r);
    receive(&r, "ABCDEFGHIJKLMNOP", 16);
    for (i = 0; i < 16; i++) {
        in(&r, 0x3f8);
    }
    receive(&r, "hello", 5);
    in(&r, 0x3f8);
    is_int(rig_now(&r), 0, "before the VM first runs its clock is 0");
    ok(r.m.serial[0].st.fifo_timeout_timer > 0,
       "the receive timeout is armed");
    wbuf_init(&s, 0);
    savevm_save_buf(r.sv, &s, 0, NULL, 0);
    if (ok(qemu != NULL, "QEMU's serial-rx stream")) {
        /* timer: 24 bytes; serial: what the description encodes, then
         * QEMU's section must end there too */
        same_section(s.data, s.len, qemu, qlen, "timer", 24);
        y = test_find_section(qemu, qlen, "serial", 0, NULL);
        wbuf_init(&ser, 0);
        vmstate_save(&ser, &serial_isa_vmsd, &r.m.serial[0].st);
        ok(ser.len > 0 && y > 0 && (size_t)y + ser.len < qlen &&
           memcmp(ser.data, qemu + y, ser.len) == 0 &&
           (qemu[y + ser.len] == 0x04 || qemu[y + ser.len] == 0x00),
           "serial with serial/fifo_timeout_timer: %zu bytes as QEMU's",
           ser.len);
        wbuf_free(&ser);
    }
    wbuf_free(&s);
    free(qemu);
    savevm_free(r.sv);
}

/* Arms a timeout while running: 5 bytes below the trigger level 14. */
static int64_t arm_running(struct rig *r)
{
    uart_program(r);
    cpu_timers_start(&r->clock, r->host);
    r->host += 5000000;
    receive(r, "12345", 5);
    return r->m.serial[0].st.fifo_timeout_timer;
}

static void test_stop_cont(void)
{
    static struct rig r;
    int64_t deadline, vm_at_stop;

    rig_init(&r, 1000000000ull);
    deadline = arm_running(&r);
    is_int(rig_now(&r), 5000000, "running: the VM clock follows the host");
    ok(deadline > rig_now(&r), "deadline ahead on the VM clock");
    r.host += (uint64_t)(deadline - rig_now(&r)) / 2;
    cpu_timers_stop(&r.clock, r.host);
    vm_at_stop = rig_now(&r);
    r.host += 10000000000ull; /* 10 s stopped */
    run(&r);
    is_int(rig_now(&r), vm_at_stop, "stopped: the VM clock stands still");
    is_int(r.m.serial[0].st.fifo_timeout_timer, deadline,
           "stopped 10 s: the timeout has not fired");
    ok(in(&r, 0x3fa) != IIR_TIMEOUT, "no character timeout in IIR");
    cpu_timers_start(&r.clock, r.host);
    is_int(rig_now(&r), vm_at_stop, "cont: the VM clock resumes from there");
    r.host += (uint64_t)(deadline - vm_at_stop) - 1;
    run(&r);
    is_int(r.m.serial[0].st.fifo_timeout_timer, deadline,
           "1 ns before the deadline: pending");
    r.host += 1;
    run(&r);
    is_int(in(&r, 0x3fa), IIR_TIMEOUT, "at the deadline: character timeout");
    savevm_free(r.sv);
}

static void test_save_load(void)
{
    static struct rig a, b;
    struct wbuf s;
    char err[256] = "";
    int64_t deadline, vm_at_save, left;

    rig_init(&a, 2000000000ull);
    deadline = arm_running(&a);
    a.host += 1000;
    cpu_timers_stop(&a.clock, a.host); /* xen-save-devices-state stops */
    vm_at_save = rig_now(&a);
    left = deadline - vm_at_save;
    wbuf_init(&s, 0);
    is_int(savevm_save_buf(a.sv, &s, 0, err, sizeof(err)), 0,
           "save while the timeout is pending %s", err);

    rig_init(&b, 7000000000000000ull); /* another host, another uptime */
    is_int(savevm_load_buf(b.sv, s.data, s.len, err, sizeof(err)), 0,
           "load into a fresh machine %s", err);
    is_int(rig_now(&b), vm_at_save, "the VM clock comes back from 'timer'");
    is_int(b.m.serial[0].st.fifo_timeout_timer, deadline,
           "the deadline comes back unchanged");
    b.host += 50000000000ull; /* stays stopped for 50 s */
    run(&b);
    is_int(b.m.serial[0].st.fifo_timeout_timer, deadline,
           "loaded, still stopped: not fired");
    cpu_timers_start(&b.clock, b.host);
    b.host += (uint64_t)left - 1;
    run(&b);
    ok(in(&b, 0x3fa) != IIR_TIMEOUT, "cont: pending until the remaining "
       "%lld ns have passed", (long long)left);
    b.host += 1;
    run(&b);
    is_int(in(&b, 0x3fa), IIR_TIMEOUT, "then the character timeout");
    is_int(in(&b, 0x3f8), '1', "and the guest reads what was received");

    /* an offset that could overflow deadlines: refused, nothing changed */
    {
        long at = test_find_section(s.data, s.len, "timer", 0, NULL);

        if (ok(at > 0, "timer section found")) {
            memset(s.data + at + 16, 0x7f, 8);
            ok(savevm_load_buf(b.sv, s.data, s.len, err, sizeof(err)) < 0,
               "a clock offset beyond 2^62 is refused: %s", err);
            ok(b.clock.running && b.clock.cpu_clock_offset != INT64_MAX / 2,
               "the clock is unchanged");
        }
    }
    wbuf_free(&s);
    savevm_free(a.sv);
    savevm_free(b.sv);
}

int main(void)
{
    test_like_qemu_stopped();
    test_stop_cont();
    test_save_load();
    return tap_done();
}
