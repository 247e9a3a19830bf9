/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test fixtures for the stream tests, the fuzzer and the benchmark: a
 * registry shaped like one of QEMU 7.2's reference streams.
 *
 * What is real and what is a test double:
 * - "timer" is xendm's real description (src/cpu-timers.c).
 * - "serial" is a test double written from QEMU 7.2's hw/char/serial.c
 *   layout (isa-serial wrapping SerialState: divider u16 from v2,
 *   rbr ier iir lcr mcr lsr msr scr u8, fcr_vmstate u8 from v3), with
 *   QEMU's subsection names, until the devices work brings the real
 *   UART; it is enough to decode the vector's register values.
 * - every other section is a "raw" test double: a description with
 *   one buffer field as long as that section's body in the vector's
 *   .dump.txt listing (sizes, ids and versions are read from there).
 * - section ids QEMU gave to state that is not in the file (RAM and
 *   friends, ids 1-3 and 31-38) are taken by RAM-flagged entries, the
 *   first named "ram" as in QEMU, so the writer reproduces QEMU's ids.
 */
#ifndef XENDM_TEST_SAVEVM_FIXTURES_H
#define XENDM_TEST_SAVEVM_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/cpu-timers.h"
#include "../../src/savevm.h"

#define FIX_MAX_RAW 64

struct fix_serial_state {
    uint16_t divider;
    uint8_t rbr, ier, iir, lcr, mcr, lsr, msr, scr;
    uint8_t fcr_vmstate;
    int32_t thr_ipending;       /* subsection serial/thr_ipending */
};

struct fix_serial {
    struct fix_serial_state state;
};

struct fix_raw {
    struct vmstate_desc vmsd;
    struct vmstate_field fields[2];
    char name[256];
    uint8_t *data;
    size_t len;
};

struct fixture {
    struct savevm *sv;
    struct cpu_timers timers;
    struct fix_serial serial;
    struct fix_raw raw[FIX_MAX_RAW];
    size_t nraw;
    uint8_t ram_dummy;
    int loaded_calls;
};

extern const struct vmstate_desc fix_serial_vmsd;

struct fix_section {
    unsigned id;
    const char *idstr;
    int instance;
    int version;
    size_t len;
};

/* pc-serial.bin's sections (NULL-idstr terminated). */
extern const struct fix_section fix_pc_serial[];

/* Path of a file under tests/vectors/qemu-7.2 (static buffer). */
const char *fix_vector(const char *name);

/* Reads a whole file (malloc'd); NULL on error. */
uint8_t *fix_read_file(const char *path, size_t *len);

/*
 * Builds the registry described by a vector's .dump.txt.  Every state
 * starts filled with a recognisable pattern.  0 or -errno.
 */
int fix_build(struct fixture *f, const char *dump_txt);
void fix_free(struct fixture *f);

/*
 * The same from a built-in table (no files: for the fuzzer and the
 * benchmark); `globalstate` false gives pc-serial-xenlike.bin's set.
 */
int fix_build_table(struct fixture *f, const struct fix_section *table,
                    bool globalstate);

/* Concatenation of every registered state, for byte-identity checks. */
uint8_t *fix_snapshot(const struct fixture *f, size_t *len);

#endif
