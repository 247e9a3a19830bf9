/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every device state description xendm has (see vmsd-table.h).
 * Append one line per top-level description (`&vmstate_x,`) before
 * the NULL; nested and subsection descriptions come with their parent.
 */
#include "config.h"

#include <stddef.h>

#include "../src/cpu-timers.h"
#include "emu/chipset.h"
#include "emu/cmos.h"
#include "emu/fwcfg.h"
#include "emu/pci.h"
#include "emu/pckbd.h"
#include "emu/platform.h"
#include "emu/port92.h"
#include "emu/ps2.h"
#include "emu/serial.h"
#include "vmsd-table.h"

const struct vmstate_desc *const vmsd_table[] = {
    &vmstate_cpu_timers,
    &pci_host_vmsd,
    &pci_bus_vmsd,
    &i440fx_vmsd,
    &piix3_vmsd,
    &serial_isa_vmsd,
    &ps2_kbd_vmsd,
    &ps2_mouse_vmsd,
    &pckbd_isa_vmsd,
    &platform_vmsd,
    &fwcfg_vmsd,
    &port92_vmsd,
    &cmos_vmsd,
    NULL,
};
