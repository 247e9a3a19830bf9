/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The saved state of the MC146818 RTC behind the CMOS NVRAM: QEMU's
 * "mc146818rtc" v3 section (hw/rtc/mc146818rtc.c, vmstate_rtc), and
 * the RTC fields of a new machine as QEMU's realize sets them.
 *
 * Wire order: cmos_data[128], cmos_index, 28 unused bytes, the
 * periodic timer (be64 deadline, -1 stopped), next_periodic_time,
 * 24 unused bytes, irq_coalesced and period (v2), base_rtc,
 * last_update, offset, the update timer and next_alarm_time (v3);
 * subsection "mc146818rtc/irq_reinject_on_ack_count" (u16) when that
 * count is non-zero.  Versions 1 and 2 (QEMU before 1.3, which
 * rebuilt the clock from the time registers on load) are refused:
 * qemu-xen has written version 3 since it exists.
 *
 * Why the time fields are carried, not computed, is in cmos.h.  What
 * is validated on load, each a state QEMU itself never writes and
 * that would misbehave in xendm or in a qemu-xen loading xendm's
 * stream: an index above 0x7f (QEMU indexes cmos_data with it), a
 * period that no rate code gives, an offset outside one second,
 * times past the int64 range or a base date past 9999, a reinjection
 * count above QEMU's limit of 20, and divider reset (register A bits
 * 5-6 both set) together with a pending update timer or a latched
 * UIP bit (QEMU's update timer asserts the divider is running).
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hw/emu/cmos.h"

#define NS_PER_SEC 1000000000LL
#define SEC_PER_DAY 86400
#define REG_A_UIP 0x80
#define REG_A_DIV_RESET 0x60
#define REG_B_24H 0x02
#define REG_B_DM 0x04
#define RTC_REINJECT_ON_ACK_COUNT 20

static uint8_t to_bcd(const struct cmos_state *st, int v)
{
    if (st->cmos_data[CMOS_REG_B] & REG_B_DM) {
        return (uint8_t)v;
    }
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* QEMU's rtc_set_cmos: the time registers for `tm` in the register
 * B format (BCD or binary, 12 or 24 hours); base year 0 as xenfv's. */
static void set_time_regs(struct cmos_state *st, const struct tm *tm)
{
    uint8_t *d = st->cmos_data;
    int year = tm->tm_year + 1900;

    d[0x00] = to_bcd(st, tm->tm_sec);
    d[0x02] = to_bcd(st, tm->tm_min);
    if (d[CMOS_REG_B] & REG_B_24H) {
        d[0x04] = to_bcd(st, tm->tm_hour);
    } else {
        int h = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;

        d[0x04] = (uint8_t)(to_bcd(st, h) | (tm->tm_hour >= 12 ? 0x80 : 0));
    }
    d[0x06] = to_bcd(st, tm->tm_wday + 1);
    d[0x07] = to_bcd(st, tm->tm_mday);
    d[0x08] = to_bcd(st, tm->tm_mon + 1);
    d[0x09] = to_bcd(st, year % 100);
    d[CMOS_CENTURY] = to_bcd(st, year / 100);
}

void cmos_init_clock(struct cmos_state *st, int64_t base, int64_t now_ns)
{
    time_t t;
    struct tm tm;
    int64_t tod;

    base = base < 0 ? 0 : base > CMOS_MAX_BASE ? CMOS_MAX_BASE : base;
    /* room for the deadlines below (a day and a second) */
    if (now_ns < 0 || now_ns > INT64_MAX - 2 * SEC_PER_DAY * NS_PER_SEC) {
        now_ns = 0;
    }
    st->cmos_data[CMOS_REG_A] = 0x26;    /* 32.768 kHz, 1024 Hz rate */
    st->cmos_data[CMOS_REG_B] = 0x02;    /* 24 hours, BCD */
    st->cmos_data[CMOS_REG_C] = 0x00;
    st->cmos_data[CMOS_REG_D] = 0x80;    /* valid RAM and time */
    t = (time_t)base;
    if (gmtime_r(&t, &tm) == NULL) {
        t = 0;
        gmtime_r(&t, &tm);
    }
    set_time_regs(st, &tm);
    st->base_rtc = (uint64_t)t;
    st->last_update = (uint64_t)now_ns;
    st->offset = 0;
    st->periodic_timer = -1;
    st->next_periodic_time = 0;
    st->irq_coalesced = 0;
    st->period = 0;
    st->irq_reinject_on_ack_count = 0;
    /*
     * QEMU's check_update_timer right after realize: the RTC is at a
     * whole second, so the update is due in one second; the alarm
     * registers are zero (00:00:00), so the alarm is next midnight,
     * a whole day away at midnight itself.
     */
    tod = (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    st->update_timer = now_ns + NS_PER_SEC;
    st->next_alarm_time =
        (uint64_t)(st->update_timer + (SEC_PER_DAY - tod - 1) * NS_PER_SEC);
}

/* ---- load validation (runs on the shadow; see vmstate.h) ---- */

static bool cmos_index_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;

    (void)version_id;
    return st->cmos_index <= 0x7f;
}

static bool cmos_timers_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;

    (void)version_id;
    return st->next_periodic_time >= 0 &&
           st->last_update <= (uint64_t)INT64_MAX &&
           st->next_alarm_time <= (uint64_t)INT64_MAX;
}

/* 0, or what a rate code gives: 1 << (code - 1), codes 1-2 read as 8-9 */
static bool cmos_period_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;
    unsigned k;

    (void)version_id;
    if (st->period == 0) {
        return true;
    }
    for (k = 2; k <= 14; k++) {
        if (st->period == 1u << k) {
            return true;
        }
    }
    return false;
}

static bool cmos_clock_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;

    (void)version_id;
    return st->base_rtc <= (uint64_t)CMOS_MAX_BASE && st->offset >= 0 &&
           st->offset < NS_PER_SEC;
}

static bool cmos_divider_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;
    uint8_t a = st->cmos_data[CMOS_REG_A];

    (void)version_id;
    return (a & REG_A_DIV_RESET) != REG_A_DIV_RESET ||
           (!(a & REG_A_UIP) && st->update_timer == -1);
}

static bool cmos_reinject_ok(void *opaque, int version_id)
{
    const struct cmos_state *st = opaque;

    (void)version_id;
    return st->irq_reinject_on_ack_count <= RTC_REINJECT_ON_ACK_COUNT;
}

static bool cmos_reinject_needed(void *opaque)
{
    const struct cmos_state *st = opaque;

    return st->irq_reinject_on_ack_count != 0;
}

static const struct vmstate_field cmos_reinject_fields[] = {
    VMSTATE_U16(irq_reinject_on_ack_count, struct cmos_state),
    VMSTATE_VALIDATE("irq_reinject_on_ack_count at most 20",
                     cmos_reinject_ok),
    VMSTATE_END,
};

static const struct vmstate_desc cmos_reinject_vmsd = {
    .name = "mc146818rtc/irq_reinject_on_ack_count",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = cmos_reinject_needed,
    .fields = cmos_reinject_fields,
};

static const struct vmstate_desc *const cmos_subsections[] = {
    &cmos_reinject_vmsd,
    NULL,
};

static const struct vmstate_field cmos_fields[] = {
    VMSTATE_BUFFER(cmos_data, struct cmos_state),
    VMSTATE_U8(cmos_index, struct cmos_state),
    VMSTATE_VALIDATE("cmos_index at most 0x7f", cmos_index_ok),
    VMSTATE_UNUSED(7 * 4),
    VMSTATE_TIMER(periodic_timer, struct cmos_state),
    VMSTATE_I64(next_periodic_time, struct cmos_state),
    VMSTATE_UNUSED(3 * 8),
    VMSTATE_U32_V(irq_coalesced, struct cmos_state, 2),
    VMSTATE_U32_V(period, struct cmos_state, 2),
    VMSTATE_VALIDATE("period 0 or a rate's 4..16384 ticks", cmos_period_ok),
    VMSTATE_U64_V(base_rtc, struct cmos_state, 3),
    VMSTATE_U64_V(last_update, struct cmos_state, 3),
    VMSTATE_I64_V(offset, struct cmos_state, 3),
    VMSTATE_VALIDATE("base_rtc up to 9999 and offset within a second",
                     cmos_clock_ok),
    VMSTATE_TIMER_V(update_timer, struct cmos_state, 3),
    VMSTATE_U64_V(next_alarm_time, struct cmos_state, 3),
    VMSTATE_VALIDATE("times within int64", cmos_timers_ok),
    VMSTATE_VALIDATE("no update timer or UIP while the divider is in reset",
                     cmos_divider_ok),
    VMSTATE_END,
};

const struct vmstate_desc cmos_vmsd = {
    .name = "mc146818rtc",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = cmos_fields,
    .subsections = cmos_subsections,
};
