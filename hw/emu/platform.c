/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen platform PCI device.
 *
 * Theory of operation.  The only saved state is the PCI config space
 * and the platform flags byte (QEMU's "platform" v4); everything else
 * the protocol touches (the unplug mask, the product and build
 * numbers the PV drivers announce, the partial log line) is transient
 * in QEMU too, and an unplug is an action, not state: once emulated
 * devices are gone, they are gone from the machine on the other side
 * of a migration as well because the toolstack starts it with the
 * same unplug already applied by the guest's drivers reconnecting.
 * All access sizes and offsets are guest-chosen: the protocol acts
 * only on the exact (offset, size) pairs it defines and answers
 * everything else with all ones or ignores it.
 */
#include <stdio.h>
#include <string.h>

#include "platform.h"

static const struct ratelimit platform_rl_init = RATELIMIT_INIT(1000, 20);

const struct pci_ident platform_ident = {
    .name = "platform",
    .devfn = 2 << 3,
    .vendor = 0x5853,
    .device = 0x0001,
    .subsys_vendor = 0x5853,
    .subsys_id = 0x0001,
    .class_rev = 0xff800001u,       /* class ff80, revision 1 */
    .int_pin = 1,
    .bars = {
        [0] = { .size = 0x100, .type = PCI_BAR_IO },
        [1] = { .size = 0x1000000, .type = PCI_BAR_MEM_PREFETCH },
    },
};

static void platform_log_byte(struct platform *p, uint8_t c)
{
    if (c != '\n' && p->log_len < sizeof(p->log_line) - 1) {
        p->log_line[p->log_len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        return;
    }
    p->log_line[p->log_len] = '\0';
    log_ratelimited(&p->log_rl, "platform: guest: %s", p->log_line);
    p->log_len = 0;
}

static void platform_unplug(struct platform *p, unsigned mask)
{
    p->unplugged |= mask;
    if (p->hooks && p->hooks->unplug) {
        p->hooks->unplug(p->opaque, mask);
    }
}

static void platform_set_flags(struct platform *p, uint8_t val)
{
    int locked = !!(val & PLATFORM_FLAG_ROM_LOCK);

    if (p->hooks && p->hooks->rom_lock &&
        p->hooks->rom_lock(p->opaque, locked) < 0) {
        log_ratelimited(&p->log_rl, "platform: cannot change ROM lock");
        return;
    }
    p->st.flags = (uint8_t)locked;
}

uint32_t platform_fixed_read(struct platform *p, unsigned off, unsigned size)
{
    if (size == 2 && off == 0) {
        return PLATFORM_MAGIC;
    }
    if (size == 1 && off == 0) {
        return p->st.flags;
    }
    if (size == 1 && off == 2) {
        return PLATFORM_VERSION;
    }
    return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

void platform_fixed_write(struct platform *p, unsigned off, unsigned size,
                          uint32_t val)
{
    if (size == 2 && off == 0) {
        unsigned mask = 0;

        if (val & (PLATFORM_UNPLUG_DISKS | PLATFORM_UNPLUG_NVME)) {
            mask |= val & (PLATFORM_UNPLUG_DISKS | PLATFORM_UNPLUG_NVME |
                           PLATFORM_UNPLUG_AUX_IDE);
        }
        mask |= val & PLATFORM_UNPLUG_NICS;
        if (mask) {
            platform_unplug(p, mask);
        }
    } else if (size == 2 && off == 2) {
        p->product = (uint16_t)val;
    } else if (size == 4 && off == 0) {
        p->build = val;
    } else if (size == 1 && off == 0) {
        platform_set_flags(p, (uint8_t)val);
    } else if (size == 1 && off == 2) {
        platform_log_byte(p, (uint8_t)val);
    }
}

uint32_t platform_bar0_read(struct platform *p, unsigned off, unsigned size)
{
    (void)size;
    return off == 0 ? p->st.flags : UINT32_MAX;
}

void platform_bar0_write(struct platform *p, unsigned off, unsigned size,
                         uint32_t val)
{
    (void)size;
    switch (off) {
    case 0:
        platform_set_flags(p, (uint8_t)val);
        break;
    case 4:
        if (val == 1) {     /* SUSE xen-kmp: disks and NICs */
            platform_unplug(p, PLATFORM_UNPLUG_DISKS | PLATFORM_UNPLUG_NICS);
        }
        break;
    case 8:
        if (val == 1) {
            platform_unplug(p, PLATFORM_UNPLUG_DISKS);
        } else if (val == 2) {
            platform_unplug(p, PLATFORM_UNPLUG_NICS);
        } else {
            platform_log_byte(p, (uint8_t)val);
        }
        break;
    default:
        break;
    }
}

void platform_config_write(struct platform *p, unsigned off, uint32_t val,
                           unsigned len)
{
    pci_config_write(&p->st.pci, &platform_ident, off, val, len);
}

void platform_reset(struct platform *p)
{
    pci_config_reset(&p->st.pci, &platform_ident);
    p->st.realized = 1;
    platform_set_flags(p, 0);
}

void platform_init(struct platform *p, const struct platform_hooks *hooks,
                   void *opaque)
{
    memset(p, 0, sizeof(*p));
    p->hooks = hooks;
    p->opaque = opaque;
    p->log_rl = platform_rl_init;
    platform_reset(p);
}

void platform_loaded(struct platform *p)
{
    platform_set_flags(p, p->st.flags);
}

static bool platform_valid(void *opaque, int version_id)
{
    const struct platform_state *s = opaque;

    (void)version_id;
    return pci_config_valid(&s->pci, s->realized ? &platform_ident : NULL);
}

static int platform_post_load(void *opaque, int version_id)
{
    struct platform_state *s = opaque;

    (void)version_id;
    s->flags &= PLATFORM_FLAG_ROM_LOCK;
    return 0;
}

static const struct vmstate_field platform_fields[] = {
    VMSTATE_STRUCT_V(pci, struct platform_state, 0, pci_config_vmsd,
                     struct pci_config),
    VMSTATE_VALIDATE("pci config", platform_valid),
    VMSTATE_U8(flags, struct platform_state),
    VMSTATE_END,
};

const struct vmstate_desc platform_vmsd = {
    .name = "platform",
    .version_id = 4,
    .minimum_version_id = 4,
    .fields = platform_fields,
    .post_load = platform_post_load,
};
