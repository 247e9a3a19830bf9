/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The save-state registry and QEMU's device-only stream.
 *
 * Devices register their state (a vmstate_desc and the plain struct
 * it describes) under QEMU's idstr ("<pci path>/<name>" for PCI
 * devices, the bare name otherwise).  The writer emits the Xen shape
 * by default: magic "QEVM", version 3, one FULL section per entry
 * that is needed, EOF; never RAM.  The reader accepts that shape and
 * QEMU's non-Xen shape (footers, configuration section), makes every
 * check QEMU makes, refuses RAM sections, and is all-or-nothing: a
 * failed load leaves every registered state byte-identical.
 *
 * (Interface sketch from the skeleton commit; the state-engine work
 * owns and may refine it.)
 */
#ifndef XENDM_SAVEVM_H
#define XENDM_SAVEVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "vmstate.h"

#define QEMU_VM_FILE_MAGIC 0x5145564du
#define QEMU_VM_FILE_VERSION_COMPAT 2u
#define QEMU_VM_FILE_VERSION 3u

#define QEMU_VM_EOF 0x00
#define QEMU_VM_SECTION_START 0x01
#define QEMU_VM_SECTION_PART 0x02
#define QEMU_VM_SECTION_END 0x03
#define QEMU_VM_SECTION_FULL 0x04
#define QEMU_VM_SUBSECTION 0x05
#define QEMU_VM_VMDESCRIPTION 0x06
#define QEMU_VM_CONFIGURATION 0x07
#define QEMU_VM_COMMAND 0x08
#define QEMU_VM_SECTION_FOOTER 0x7e

struct savevm;

struct savevm *savevm_new(void);
void savevm_free(struct savevm *sv);

#endif
