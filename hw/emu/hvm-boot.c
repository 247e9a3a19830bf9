/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HVM machine's argv check and boot device (see hvm-boot.h).
 *
 * The device set is the smallest that boots a Linux guest under
 * libxl: hvmloader and SeaBIOS need the i440FX/PIIX3 PCI bus, the Xen
 * platform device lets Linux switch to PV disks/NICs/console, fw_cfg
 * carries the kernel for direct boot, 16550A UARTs give a serial
 * console, the i8042 and port 0x92 answer the firmware's keyboard
 * controller and A20 probes.  Xen itself emulates the PIC, PIT, RTC,
 * IOAPIC, LAPIC, HPET and ACPI PM timer.  Anything else libxl can ask
 * for is refused here rather than silently missing in the guest.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/emu/cmos.h"
#include "hw/emu/fwcfg.h"
#include "hw/emu/hvm-boot.h"
#include "hw/emu/linuxboot.h"
#include "xendm.h"

#define XEN_BELOW_4G_RAM_END 0xf0000000ull /* qemu-xen's default */

static const char why_vga[] =
    "emulated graphics are not provided by xendm; set vga=\"none\" in the "
    "xl config";
static const char why_disk[] =
    "emulated disks are not provided by xendm; give the disk a PV-only "
    "vdev (xvde or later) so libxl emulates nothing";
static const char why_nic[] =
    "emulated NICs are not provided by xendm; use PV NICs (vif entries "
    "with type=vif)";
static const char why_usb[] =
    "USB is not emulated by xendm; remove usb=/usbdevice=";

static const struct {
    const char *driver;
    const char *why;
} device_refusals[] = {
    {"cirrus-vga", why_vga},     {"VGA", why_vga},
    {"qxl-vga", why_vga},        {"qxl", why_vga},
    {"virtio-vga", why_vga},     {"ide-cd", why_disk},
    {"ide-hd", why_disk},        {"scsi-hd", why_disk},
    {"scsi-cd", why_disk},       {"lsi53c895a", why_disk},
    {"ahci", why_disk},          {"nvme", why_disk},
    {"rtl8139", why_nic},        {"e1000", why_nic},
    {"e1000e", why_nic},         {"ne2k_pci", why_nic},
    {"pcnet", why_nic},          {"virtio-net-pci", why_nic},
    {"usb-tablet", why_usb},     {"usb-mouse", why_usb},
    {"usb-ehci", why_usb},       {"nec-usb-xhci", why_usb},
    {"piix3-usb-uhci", why_usb},
};

static const char *device_refusal(const struct optlist *l)
{
    const char *driver = optlist_get(l, "driver");
    size_t i;

    for (i = 0;
         driver && i < sizeof(device_refusals) / sizeof(device_refusals[0]);
         i++) {
        if (strcmp(device_refusals[i].driver, driver) == 0) {
            return device_refusals[i].why;
        }
    }
    return "not emulated by xendm's HVM machine";
}

/* NULL when the value is accepted, else why it is not. */
static const char *list_refusal(const struct optlist *l)
{
    const char *type = optlist_get(l, "type");
    size_t i;

    if (strcmp(l->option, "device") == 0) {
        return device_refusal(l);
    }
    if (strcmp(l->option, "drive") == 0) {
        return why_disk;
    }
    if (strcmp(l->option, "net") == 0) {
        return type != NULL && strcmp(type, "none") == 0 ? NULL : why_nic;
    }
    if (strcmp(l->option, "netdev") == 0) {
        return why_nic;
    }
    if (strcmp(l->option, "boot") == 0) {
        /* order= only ranks emulated boot devices, and there are none:
         * with -kernel the linuxboot ROM comes first anyway */
        for (i = 0; i < l->n; i++) {
            if (strcmp(l->keys[i], "order") != 0) {
                return "only order= is accepted (no boot menu, once=, "
                       "splash or reboot-timeout)";
            }
        }
        return NULL;
    }
    return "not supported by xendm";
}

static uint64_t hvmboot_below_4g(const struct xendm *x)
{
    uint64_t ram = (x->opts.ram_mb ? x->opts.ram_mb : 128) << 20;
    uint64_t lim = x->opts.max_ram_below_4g ? x->opts.max_ram_below_4g
                                            : XEN_BELOW_4G_RAM_END;

    return ram < lim ? ram : lim;
}

void hvmboot_cmos_config(const struct xendm *x, struct cmos_config *c)
{
    uint64_t ram = (x->opts.ram_mb ? x->opts.ram_mb : 128) << 20;
    struct timespec now;
    size_t i;

    c->below_4g = hvmboot_below_4g(x);
    c->above_4g = ram - c->below_4g;
    c->cpus = x->opts.smp_cpus ? x->opts.smp_cpus : 1;
    c->boot_order = NULL;
    /* qemu-xen runs its RTC on the host clock (no -rtc), set to UTC */
    if (clock_gettime(CLOCK_REALTIME, &now) == 0) {
        c->rtc_base = (int64_t)now.tv_sec;
        c->rtc_clock_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    }
    for (i = 0; i < x->opts.nlists; i++) {
        if (strcmp(x->opts.lists[i].option, "boot") == 0) {
            c->boot_order = optlist_get(&x->opts.lists[i], "order");
        }
    }
}

struct fwcfg *hvmboot_fwcfg_new(struct xendm *x, char *err, size_t errlen)
{
    struct linuxboot_config c = {
        .kernel = x->opts.kernel,
        .initrd = x->opts.initrd,
        .cmdline = x->opts.append,
        .below_4g = hvmboot_below_4g(x),
        .nb_cpus = (uint16_t)(x->opts.smp_cpus ? x->opts.smp_cpus : 1),
        .rom_dirs = (const char *const *)x->opts.datadirs,
    };
    struct fwcfg *f = malloc(sizeof(*f));

    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fwcfg_init(f, x->opts.nographic, false); /* as fw_cfg_init_io() */
    if (linuxboot_load(f, &c, err, errlen) < 0) {
        hvmboot_fwcfg_free(f);
        return NULL;
    }
    return f;
}

void hvmboot_fwcfg_free(struct fwcfg *f)
{
    if (f != NULL) {
        fwcfg_free(f);
        free(f);
    }
}

int hvmboot_check(struct xendm *x, char *why, size_t whylen)
{
    const struct xendm_opts *o = &x->opts;
    struct fwcfg *f;
    size_t i;

    for (i = 0; i < o->nlists; i++) {
        const char *r = list_refusal(&o->lists[i]);

        if (r != NULL) {
            snprintf(why, whylen, "-%s %s: %s", o->lists[i].option,
                     o->lists[i].raw, r);
            return -EINVAL;
        }
    }
    if (o->kernel == NULL && (o->initrd != NULL || o->append != NULL)) {
        snprintf(why, whylen, "-%s needs -kernel",
                 o->initrd != NULL ? "initrd" : "append");
        return -EINVAL;
    }
    if (o->kernel == NULL) {
        return 0;
    }
    f = hvmboot_fwcfg_new(x, why, whylen);
    if (f == NULL) {
        return -EINVAL;
    }
    hvmboot_fwcfg_free(f);
    return 0;
}
