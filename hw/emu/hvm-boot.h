/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the HVM machine accepts from libxl's argv, and its boot
 * device.  hvmboot_check refuses, before anything starts, each
 * -device/-drive/-net/-netdev/-boot value naming an emulated device
 * xendm does not have (VGA, IDE/SCSI/AHCI disks and CD-ROMs, emulated
 * NICs, USB), with one line saying which xl config setting avoids it,
 * and loads -kernel/-initrd/-append once to refuse a missing,
 * unreadable or non-bzImage kernel, an oversized initrd or a missing
 * option ROM.  hvmboot_fwcfg_new builds the fw_cfg device the machine
 * gets for -kernel (in prepare, with full privileges).
 */
#ifndef XENDM_HW_HVM_BOOT_H
#define XENDM_HW_HVM_BOOT_H

#include <stddef.h>

struct xendm;
struct fwcfg;

int hvmboot_check(struct xendm *x, char *why, size_t whylen);
/* A loaded fw_cfg device, or NULL with a one-line reason in err. */
struct fwcfg *hvmboot_fwcfg_new(struct xendm *x, char *err, size_t errlen);
void hvmboot_fwcfg_free(struct fwcfg *f);

#endif
