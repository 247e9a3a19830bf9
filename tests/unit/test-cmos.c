/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CMOS NVRAM xendm serves behind Xen's RTC: the bytes SeaBIOS reads
 * (values worked out from QEMU's pc_cmos_init for the same machine), the
 * index/data port protocol, and that it reaches the machine's port map.
 * Then its "mc146818rtc" section as a hostile stream would bring it:
 * every refused field value, each refusal leaving the machine as it
 * was, and the states QEMU can write that must load (the reinjection
 * subsection, divider reset with no update timer).  Byte identity
 * with QEMU 7.2 is test-hvm-vectors' job.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/emu/cmos.h"
#include "hw/emu/pc.h"
#include "savevm.h"
#include "tests/tap.h"
#include "tests/unit/hvm-util.h"

/* Field offsets in the section body (QEMU's vmstate_rtc, v3). */
#define B_INDEX 128
#define B_PERIODIC 157
#define B_NEXT_PERIODIC 165
#define B_PERIOD 201
#define B_BASE 205
#define B_LAST_UPDATE 213
#define B_OFFSET 221
#define B_UPDATE 229
#define B_ALARM 237
#define B_END 245

static void put_be(uint8_t *p, unsigned n, uint64_t v)
{
    while (n-- > 0) {
        p[n] = (uint8_t)v;
        v >>= 8;
    }
}

struct hostile {
    const char *what;
    unsigned at, len;       /* len 0: `at` is in the section header */
    uint64_t v;
    const char *msg;        /* in the refusal */
};

static const struct hostile hostile[] = {
    { "cmos_index 0x80", B_INDEX, 1, 0x80, "cmos_index at most 0x7f" },
    { "cmos_index 0xff", B_INDEX, 1, 0xff, "cmos_index at most 0x7f" },
    { "periodic timer -2", B_PERIODIC, 8, (uint64_t)-2, "periodic_timer" },
    { "next_periodic_time < 0", B_NEXT_PERIODIC, 8, (uint64_t)-5,
      "times within int64" },
    { "period 3 (no rate gives it)", B_PERIOD, 4, 3, "period 0 or" },
    { "period 32768", B_PERIOD, 4, 32768, "period 0 or" },
    { "base_rtc past 9999", B_BASE, 8, 253402300800ull, "base_rtc up to" },
    { "base_rtc all ones", B_BASE, 8, UINT64_MAX, "base_rtc up to" },
    { "last_update past int64", B_LAST_UPDATE, 8, 1ull << 63,
      "times within int64" },
    { "offset one second", B_OFFSET, 8, 1000000000, "offset within" },
    { "offset negative", B_OFFSET, 8, (uint64_t)-1, "offset within" },
    { "update timer -7", B_UPDATE, 8, (uint64_t)-7, "update_timer" },
    { "next_alarm_time past int64", B_ALARM, 8, UINT64_MAX,
      "times within int64" },
    { "divider reset with the update timer pending", CMOS_REG_A, 1, 0x60,
      "divider is in reset" },
    { "divider reset with UIP latched", CMOS_REG_A, 1, 0xe0,
      "divider is in reset" },
    { "version 2 (QEMU before 1.3)", 0, 0, 2, "minimum version" },
    { "version 4", 0, 0, 4, "mc146818rtc" },
};

static uint8_t *save_machine(struct savevm *sv, size_t *len)
{
    struct wbuf w;

    wbuf_init(&w, 0);
    if (savevm_save_buf(sv, &w, 0, NULL, 0) < 0) {
        wbuf_free(&w);
        return NULL;
    }
    *len = w.len;
    return w.data;
}

static void test_hostile(void)
{
    static struct machine a, b;
    struct test_host ha, hb;
    struct machine_config mc;
    struct savevm *sva = savevm_new(), *svb = savevm_new();
    uint8_t *s1, *ref, *after, *mut;
    size_t n1, nref, nafter, i;
    long at;
    uint32_t ver = 0;
    char err[512];
    int rc;

    test_host_init(&ha);
    test_host_init(&hb);
    machine_config_xenfv(&mc, 256);
    mc.cmos.rtc_base = 1700000000;
    mc.cmos.rtc_clock_ns = 5000000000LL;
    machine_init(&a, &mc, &test_host_ops, &ha);
    mc.cmos.cpus = 4;
    machine_init(&b, &mc, &test_host_ops, &hb);
    machine_register_state(&a, sva);
    machine_register_state(&b, svb);
    test_pio_out(&a, 0x70, 1, 0x48);
    test_pio_out(&a, 0x71, 1, 0x99);
    s1 = save_machine(sva, &n1);
    ref = save_machine(svb, &nref);
    at = s1 ? test_find_section(s1, n1, "mc146818rtc", 0, &ver) : -1;
    if (!ok(at > 0 && ref != NULL && ver == 3 && (size_t)at + B_END < n1 &&
            s1[at + B_END] != 0x05,
            "mc146818rtc v3 saved, %d body bytes, no subsection", B_END)) {
        return;
    }
    is_int(s1[at + B_INDEX], 0x48, "the index saved");
    is_int(s1[at + 0x48], 0x99, "the guest's NVRAM byte saved");
    mut = malloc(n1);
    for (i = 0; mut != NULL && i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        const struct hostile *h = &hostile[i];

        memcpy(mut, s1, n1);
        if (h->len == 0) {
            put_be(mut + at - 4, 4, h->v);   /* the section's version */
        } else {
            put_be(mut + at + h->at, h->len, h->v);
        }
        err[0] = '\0';
        rc = savevm_load_buf(svb, mut, n1, err, sizeof(err));
        after = save_machine(svb, &nafter);
        ok(rc < 0 && strstr(err, h->msg) != NULL && after != NULL &&
           nafter == nref && memcmp(after, ref, nref) == 0,
           "refused, machine unchanged: %s (%s)", h->what, err);
        free(after);
    }
    free(mut);

    /* What QEMU may write must load: divider reset, no update timer */
    s1[at + CMOS_REG_A] = 0x66;
    put_be(s1 + at + B_UPDATE, 8, UINT64_MAX);
    s1[at + B_INDEX] = 0x7f;
    rc = savevm_load_buf(svb, s1, n1, err, sizeof(err));
    ok(rc == 0 && b.cmos.st.cmos_data[CMOS_REG_A] == 0x66 &&
       b.cmos.st.update_timer == -1 && b.cmos.st.cmos_index == 0x7f,
       "divider reset with the update timer stopped loads %s",
       rc ? err : "");
    is_int(test_pio_in(&b, 0x71, 1), b.cmos.st.cmos_data[0x7f],
           "after the load the data port serves the loaded index");
    test_pio_out(&b, 0x70, 1, 0x48);
    is_int(test_pio_in(&b, 0x71, 1), 0x99, "and the loaded NVRAM");
    test_pio_out(&b, 0x70, 1, 0x5f);
    is_int(test_pio_in(&b, 0x71, 1), 0, "B's own CPU count replaced by A's");
    free(s1);
    free(ref);

    /* the reinjection subsection: written when non-zero, loaded, bounded */
    a.cmos.st.irq_reinject_on_ack_count = 20;
    s1 = save_machine(sva, &n1);
    at = s1 ? test_find_section(s1, n1, "mc146818rtc", 0, NULL) : -1;
    ok(at > 0 && s1[at + B_END] == 0x05 &&
       memcmp(s1 + at + B_END + 2, "mc146818rtc/irq_reinject_on_ack_count",
              37) == 0,
       "count 20: the subsection is written");
    rc = at > 0 ? savevm_load_buf(svb, s1, n1, err, sizeof(err)) : -1;
    ok(rc == 0 && b.cmos.st.irq_reinject_on_ack_count == 20,
       "and loads %s", rc ? err : "");
    if (at > 0) {
        /* body, 0x05, name length, name, be32 version, then the count */
        s1[at + B_END + 2 + 37 + 4 + 1] = 21;
        rc = savevm_load_buf(svb, s1, n1, err, sizeof(err));
        ok(rc < 0 && strstr(err, "at most 20") != NULL &&
           b.cmos.st.irq_reinject_on_ack_count == 20,
           "count 21 refused, nothing changed: %s", err);
    }
    free(s1);
    savevm_free(sva);
    savevm_free(svb);
}

static void test_clock(void)
{
    struct cmos c;
    struct cmos_config cfg = {.below_4g = 64u << 20, .cpus = 1,
                              .rtc_base = 1700000000, /* 2023-11-14 22:13:20 */
                              .rtc_clock_ns = 123456789};

    cmos_init(&c, &cfg);
    ok(c.st.cmos_data[0] == 0x20 && c.st.cmos_data[2] == 0x13 &&
       c.st.cmos_data[4] == 0x22 && c.st.cmos_data[6] == 0x03 &&
       c.st.cmos_data[7] == 0x14 && c.st.cmos_data[8] == 0x11 &&
       c.st.cmos_data[9] == 0x23 && c.st.cmos_data[0x32] == 0x20,
       "QEMU's time registers for the creation date (BCD, 24 h, Tuesday)");
    ok(c.st.base_rtc == 1700000000 && c.st.last_update == 123456789 &&
       c.st.offset == 0, "base_rtc, last_update, offset as QEMU's realize");
    ok(c.st.update_timer == 123456789 + 1000000000LL &&
       c.st.next_alarm_time ==
           (uint64_t)c.st.update_timer +
               (86400 - (22 * 3600 + 13 * 60 + 20) - 1) * 1000000000ULL,
       "update in a second, alarm (00:00:00) at next midnight");
    ok(c.st.periodic_timer == -1 && c.st.period == 0,
       "no periodic interrupt");
    c.st.cmos_data[0x0f] = 0x0a;
    c.st.cmos_data[CMOS_REG_B] = 0x7a;
    c.st.cmos_data[CMOS_REG_C] = 0xf0;
    cmos_reset(&c);
    ok(c.st.cmos_data[0x0f] == 0 && c.st.cmos_data[CMOS_REG_B] == 0x12 &&
       c.st.cmos_data[CMOS_REG_C] == 0, "reset: shutdown byte, enables, flags");
    c.st.cmos_data[0x0f] = 0xfe;
    cmos_reset(&c);
    is_int(c.st.cmos_data[0x0f], 0xfe, "reset keeps an S3 resume (0xfe)");
    /* registers 0x00-0x0d are Xen's: the guest cannot change the shadow */
    cmos_ioport_write(&c, 0, CMOS_REG_A);
    cmos_ioport_write(&c, 1, 0x70);
    is_int(cmos_ioport_read(&c, 1), 0x26, "register A shadow not writable");
    cmos_ioport_write(&c, 0, CMOS_PS2_CENTURY);
    is_int(cmos_ioport_read(&c, 1), 0x20, "0x37 reads the century");
    is_int(c.st.cmos_index, CMOS_CENTURY, "and selects 0x32, as QEMU");
}

static int64_t host_now(void *o)
{
    (void)o;
    return 0;
}

static const struct machine_host_ops host = {.now = host_now};

static unsigned rd(struct cmos *c, uint8_t idx)
{
    cmos_ioport_write(c, 0, idx);
    return cmos_ioport_read(c, 1);
}

int main(void)
{
    struct cmos_config cfg = {.below_4g = 192ull << 20, .above_4g = 0,
                              .cpus = 2, .boot_order = "cda"};
    static struct machine m;
    struct machine_config mc;
    struct cmos c;
    unsigned sum = 0, i;
    uint32_t v;

    cmos_init(&c, &cfg);
    is_int(rd(&c, 0x15) | rd(&c, 0x16) << 8, 640, "base memory 640 KiB");
    is_int(rd(&c, 0x17) | rd(&c, 0x18) << 8, 65535,
           "extended memory capped at 65535 KiB");
    is_int(rd(&c, 0x30) | rd(&c, 0x31) << 8, 65535, "and its copy at 0x30");
    is_int(rd(&c, 0x34) | rd(&c, 0x35) << 8, (192 - 16) * 16,
           "memory above 16 MiB in 64 KiB units");
    is_int(rd(&c, 0x5b) | rd(&c, 0x5c) << 8 | rd(&c, 0x5d) << 16, 0,
           "no memory above 4 GiB (SeaBIOS's RamSizeOver4G)");
    is_int(rd(&c, 0x10), 0, "no floppy drives");
    is_int(rd(&c, 0x14), 0x06, "equipment: FPU and PS/2 mouse");
    is_int(rd(&c, 0x3d), 0x32, "boot order c, d in 0x3d");
    is_int(rd(&c, 0x38), 0x10, "then a in 0x38, floppy check on");
    is_int(rd(&c, 0x5f), 1, "CPU count - 1");
    for (i = 0x10; i < 0x2e; i++) {
        sum += rd(&c, (uint8_t)i);
    }
    ok(sum != 0 && (rd(&c, 0x2e) << 8 | rd(&c, 0x2f)) == 0,
       "no checksum at 0x2e/0x2f, as QEMU's pc_cmos_init");

    cfg.below_4g = 0xf0000000ull;
    cfg.above_4g = 4ull << 30;
    cmos_init(&c, &cfg);
    is_int(rd(&c, 0x5b) | rd(&c, 0x5c) << 8 | rd(&c, 0x5d) << 16,
           65536, "4 GiB above 4 GiB in 64 KiB units");
    is_int(rd(&c, 0x34) | rd(&c, 0x35) << 8, (0xf0000000u - (16u << 20)) / 65536,
           "memory from 16 MiB to the 0xf0000000 hole");

    cmos_ioport_write(&c, 0, 0x80 | 0x40);
    cmos_ioport_write(&c, 1, 0xab);
    is_int(rd(&c, 0x40), 0xab, "NMI bit ignored in the index; data kept");
    is_int(cmos_ioport_read(&c, 0), 0xff, "the index port reads 0xff");

    machine_config_xenfv(&mc, 64);
    mc.cmos.boot_order = "dc";
    if (machine_init(&m, &mc, &host, NULL) < 0) {
        ok(0, "machine_init");
        return tap_done();
    }
    v = 0x35;
    machine_pio(&m, 0x70, 1, true, &v);
    v = 0;
    machine_pio(&m, 0x71, 1, false, &v);
    is_int(v, ((64 - 16) * 16) >> 8,
           "the machine answers 0x70/0x71 from its NVRAM");
    v = 0x3d;
    machine_pio(&m, 0x70, 1, true, &v);
    machine_pio(&m, 0x71, 1, false, &v);
    is_int(v, 0x23, "with the machine's boot order");
    test_clock();
    test_hostile();
    return tap_done();
}
