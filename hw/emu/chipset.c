/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i440FX host bridge and PIIX3 ISA bridge.
 *
 * Both are configuration space plus a little: their reset images are
 * QEMU 7.2's (taken from the bytes QEMU saves for a fresh pc machine),
 * their masks come from the PCI core.  The I440FX section carries one
 * unused byte after the PCI device (QEMU's former smm_enabled); the
 * PIIX3 section carries the four PCI IRQ levels, which under Xen are
 * always 0 because INTx goes to Xen per slot, never through the PIIX3
 * (QEMU's pci_bus_get_irq_level for bus irqs 0-3, i.e. slot 0, the
 * host bridge, which never interrupts).
 */
#include <string.h>

#include "chipset.h"

static const uint8_t i440fx_extra[][2] = {
    { 0x72, 0x02 },         /* SMRAM: C_BASE_SEG = 0b010 */
};

const struct pci_ident i440fx_ident = {
    .name = "I440FX",
    .devfn = 0,
    .vendor = 0x8086,
    .device = 0x1237,
    .subsys_vendor = 0x1af4,
    .subsys_id = 0x1100,
    .class_rev = 0x06000002u,
    .extra = i440fx_extra,
    .n_extra = sizeof(i440fx_extra) / sizeof(i440fx_extra[0]),
};

static const uint8_t piix3_extra[][2] = {
    { 0x4c, 0x4d }, { 0x4e, 0x03 }, { 0x60, 0x80 }, { 0x61, 0x80 },
    { 0x62, 0x80 }, { 0x63, 0x80 }, { 0x69, 0x02 }, { 0x70, 0x80 },
    { 0x76, 0x0c }, { 0x77, 0x0c }, { 0x78, 0x02 }, { 0xa0, 0x08 },
    { 0xa8, 0x0f },
};

const struct pci_ident piix3_ident = {
    .name = "PIIX3",
    .devfn = 1 << 3,
    .vendor = 0x8086,
    .device = 0x7000,
    .subsys_vendor = 0x1af4,
    .subsys_id = 0x1100,
    .class_rev = 0x06010000u,
    .header_type = 0x80,
    .status = 0x0200,
    .extra = piix3_extra,
    .n_extra = sizeof(piix3_extra) / sizeof(piix3_extra[0]),
};

void i440fx_reset(struct i440fx_state *s, uint64_t ram_mb)
{
    uint64_t v = ram_mb / 8;

    pci_config_reset(&s->pci, &i440fx_ident);
    s->realized = 1;
    s->pci.config[0x57] = (uint8_t)(v > 255 ? 255 : v);
}

void i440fx_config_write(struct i440fx_state *s, unsigned off, uint32_t val,
                         unsigned len)
{
    /* PAM and SMRAM changes have no effect under Xen: RAM is Xen's */
    pci_config_write(&s->pci, &i440fx_ident, off, val, len);
}

static bool i440fx_valid(void *opaque, int version_id)
{
    (void)version_id;
    const struct i440fx_state *s = opaque;

    return pci_config_valid(&s->pci, s->realized ? &i440fx_ident : NULL);
}

static const struct vmstate_field i440fx_fields[] = {
    VMSTATE_STRUCT_V(pci, struct i440fx_state, 0, pci_config_vmsd,
                     struct pci_config),
    VMSTATE_VALIDATE("pci config", i440fx_valid),
    VMSTATE_UNUSED(1),
    VMSTATE_END,
};

const struct vmstate_desc i440fx_vmsd = {
    .name = "I440FX",
    .version_id = 3,
    .minimum_version_id = 3,
    .fields = i440fx_fields,
};

/* ---- PIIX3 ---- */

static uint8_t piix3_route_of(uint8_t reg)
{
    return (reg & 0x80) ? 0 : (reg & 0x0f);
}

void piix3_config_write(struct piix3 *p, unsigned off, uint32_t val,
                        unsigned len)
{
    unsigned i;

    if (len == 0 || len > 4 || off >= PCI_CONFIG_SIZE) {
        return;
    }
    for (i = 0; i < len; i++) {
        unsigned reg = off + i;

        if (reg >= PIIX_PIRQCA && reg < PIIX_PIRQCA + PIIX_NUM_PIRQS &&
            p->link_route) {
            p->link_route(p->opaque, reg - PIIX_PIRQCA,
                          piix3_route_of((uint8_t)(val >> (8 * i))));
        }
    }
    pci_config_write(&p->st.pci, &piix3_ident, off, val, len);
}

uint8_t piix3_rcr_read(struct piix3 *p)
{
    return p->st.rcr;
}

void piix3_rcr_write(struct piix3 *p, uint8_t val)
{
    if (val & 4) {
        if (p->reset) {
            p->reset(p->opaque);
        }
        return;
    }
    p->st.rcr = val & 2;
}

void piix3_reset(struct piix3 *p)
{
    pci_config_reset(&p->st.pci, &piix3_ident);
    p->st.realized = 1;
    memset(p->st.pci_irq_levels_vmstate, 0,
           sizeof(p->st.pci_irq_levels_vmstate));
    p->st.rcr = 0;
}

void piix3_init(struct piix3 *p,
                void (*link_route)(void *, unsigned, unsigned),
                void (*reset)(void *), void *opaque)
{
    memset(p, 0, sizeof(*p));
    p->link_route = link_route;
    p->reset = reset;
    p->opaque = opaque;
    piix3_reset(p);
}

void piix3_loaded(struct piix3 *p)
{
    unsigned i;

    for (i = 0; i < PIIX_NUM_PIRQS && p->link_route; i++) {
        p->link_route(p->opaque, i,
                      piix3_route_of(p->st.pci.config[PIIX_PIRQCA + i]));
    }
}

static int piix3_pre_save(void *opaque)
{
    struct piix3_state *s = opaque;

    memset(s->pci_irq_levels_vmstate, 0, sizeof(s->pci_irq_levels_vmstate));
    return 0;
}

static bool piix3_valid(void *opaque, int version_id)
{
    (void)version_id;
    const struct piix3_state *s = opaque;

    return pci_config_valid(&s->pci, s->realized ? &piix3_ident : NULL);
}

static int piix3_pre_load(void *opaque)
{
    ((struct piix3_state *)opaque)->rcr = 0;
    return 0;
}

static int piix3_post_load(void *opaque, int version_id)
{
    struct piix3_state *s = opaque;

    (void)version_id;
    s->rcr &= 2;
    return 0;
}

static bool piix3_rcr_needed(void *opaque)
{
    return ((const struct piix3_state *)opaque)->rcr != 0;
}

static const struct vmstate_field piix3_rcr_fields[] = {
    VMSTATE_U8(rcr, struct piix3_state),
    VMSTATE_END,
};

static const struct vmstate_desc piix3_rcr_vmsd = {
    .name = "PIIX3/rcr",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = piix3_rcr_needed,
    .fields = piix3_rcr_fields,
};

static const struct vmstate_desc *const piix3_subsections[] = {
    &piix3_rcr_vmsd, NULL,
};

static const struct vmstate_field piix3_fields[] = {
    VMSTATE_STRUCT_V(pci, struct piix3_state, 0, pci_config_vmsd,
                     struct pci_config),
    VMSTATE_VALIDATE("pci config", piix3_valid),
    VMSTATE_ARRAY_V(VMS_I32, pci_irq_levels_vmstate, struct piix3_state,
                    PIIX_NUM_PIRQS, 3),
    VMSTATE_END,
};

const struct vmstate_desc piix3_vmsd = {
    .name = "PIIX3",
    .version_id = 3,
    .minimum_version_id = 2,
    .fields = piix3_fields,
    .subsections = piix3_subsections,
    .pre_save = piix3_pre_save,
    .pre_load = piix3_pre_load,
    .post_load = piix3_post_load,
};
