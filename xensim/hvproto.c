/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of xensim hypervisor-protocol messages (see hvproto.h).
 *
 * One table row per message type gives the fixed body size of the
 * request and of the reply, and the element size and maximum count of
 * an optional trailing array; hvproto_parse checks a message against
 * its row before anyone reads a field.  Untrusted input: every byte.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "xensim/hvproto.h"

struct hvp_shape {
    uint16_t body; /* fixed body bytes */
    uint16_t elem; /* trailing element bytes, 0: none */
    uint32_t max_elems;
};

struct hvp_row {
    const char *name;
    struct hvp_shape req;
    struct hvp_shape rep;
};

#define S(b, e, m)                                                             \
    {                                                                          \
        (uint16_t)(b), (uint16_t)(e), (m)                                      \
    }
#define NONE S(0, 0, 0)

static const struct hvp_row hvp_table[HVP_TYPE_MAX] = {
    [HVP_HELLO] = {"hello", S(sizeof(struct hvp_hello), 0, 0),
                   S(sizeof(struct hvp_hello_r), 0, 0)},
    [HVP_DOM_CREATE] = {"dom-create", S(sizeof(struct hvp_dom_create), 0, 0),
                        S(sizeof(struct hvp_domid_r), 0, 0)},
    [HVP_DOM_OP] = {"dom-op", S(sizeof(struct hvp_dom_op), 0, 0), NONE},
    [HVP_DOM_INFO] = {"dom-info", S(sizeof(struct hvp_domid), 0, 0),
                      S(sizeof(struct hvp_dom_info), 0, 0)},
    [HVP_DOM_LIST] = {"dom-list", S(sizeof(struct hvp_domid), 0, 0),
                      S(0, sizeof(struct hvp_dom_info), HVP_LIST_MAX)},
    [HVP_MEM_FD] = {"mem-fd", S(sizeof(struct hvp_domid), 0, 0),
                    S(sizeof(struct hvp_mem_r), 0, 0)},
    [HVP_RESTRICT] = {"restrict", S(sizeof(struct hvp_domid), 0, 0), NONE},
    [HVP_EVT_ALLOC] = {"evt-alloc", S(sizeof(struct hvp_evt_alloc), 0, 0),
                       S(sizeof(struct hvp_port), 0, 0)},
    [HVP_EVT_BIND] = {"evt-bind", S(sizeof(struct hvp_evt_bind), 0, 0),
                      S(sizeof(struct hvp_bound), 0, 0)},
    [HVP_EVT_CLOSE] = {"evt-close", S(sizeof(struct hvp_port), 0, 0), NONE},
    [HVP_EVT_NOTIFY] = {"evt-notify", S(sizeof(struct hvp_port), 0, 0), NONE},
    [HVP_GNT_MAP] = {"gnt-map",
                     S(sizeof(struct hvp_gnt_map), sizeof(uint32_t),
                       HVP_MAX_GRANT_BATCH),
                     S(sizeof(struct hvp_gnt_map_r), sizeof(uint64_t),
                       HVP_MAX_GRANT_BATCH)},
    [HVP_GNT_UNMAP] = {"gnt-unmap", S(sizeof(struct hvp_handle), 0, 0), NONE},
    [HVP_GNT_COPY] = {"gnt-copy",
                      S(sizeof(struct hvp_gnt_copy),
                        sizeof(struct hvp_copy_seg), HVP_MAX_GRANT_BATCH),
                      S(sizeof(struct hvp_copy_info), sizeof(struct hvp_copy_r),
                        HVP_MAX_GRANT_BATCH)},
    [HVP_IOS_CREATE] = {"ios-create", S(sizeof(struct hvp_ios_create), 0, 0),
                        S(sizeof(struct hvp_ios_id), 0, 0)},
    [HVP_IOS_INFO] = {"ios-info", S(sizeof(struct hvp_ios_id), 0, 0),
                      S(sizeof(struct hvp_ios_info_r), 0, 0)},
    [HVP_IOS_STATE] = {"ios-state", S(sizeof(struct hvp_ios_state), 0, 0),
                       NONE},
    [HVP_IOS_RANGE] = {"ios-range", S(sizeof(struct hvp_ios_range), 0, 0),
                       NONE},
    [HVP_IOS_DESTROY] = {"ios-destroy", S(sizeof(struct hvp_ios_id), 0, 0),
                         NONE},
    [HVP_VCPU_IO] = {"vcpu-io", S(sizeof(struct hvp_vcpu_io), 0, 0),
                     S(sizeof(struct hvp_vcpu_io_r), 0, 0)},
    [HVP_DM_IRQ] = {"dm-irq", S(sizeof(struct hvp_dm_irq), 0, 0), NONE},
    [HVP_DM_MODMEM] = {"dm-modmem", S(sizeof(struct hvp_dm_modmem), 0, 0),
                       NONE},
    [HVP_DM_STATE] = {"dm-state", S(sizeof(struct hvp_domid), 0, 0),
                      S(sizeof(struct hvp_dm_state_r), 0, 0)},
    [HVP_DM_DIRTY] = {"dm-dirty", S(sizeof(struct hvp_dm_dirty), 0, 0),
                      S(sizeof(struct hvp_dirty_r), 1, HVP_MAX_MSG - 64)},
    [HVP_EV_PEER] = {"ev-peer", NONE, S(sizeof(struct hvp_bound), 0, 0)},
    [HVP_EV_UNBOUND] = {"ev-unbound", NONE, S(sizeof(struct hvp_port), 0, 0)},
    [HVP_EV_VCPU] = {"ev-vcpu", NONE, S(sizeof(struct hvp_ev_vcpu), 0, 0)},
    [HVP_DM_MEMTYPE] = {"dm-memtype", S(sizeof(struct hvp_dm_memtype), 0, 0),
                        NONE},
    [HVP_VCPU_MEM] = {"vcpu-mem",
                      S(sizeof(struct hvp_vcpu_mem), 1, HVP_VCPU_MEM_MAX),
                      S(sizeof(struct hvp_vcpu_mem_r), 1, HVP_VCPU_MEM_MAX)},
    [HVP_EV_FAST] = {"ev-fast", NONE, S(sizeof(struct hvp_ev_fast), 0, 0)},
};

_Static_assert(sizeof(struct hvp_hdr) == 16, "header layout");
_Static_assert(sizeof(struct hvp_vcpu_io) == 40, "vcpu-io layout");
_Static_assert(sizeof(struct hvp_copy_seg) == 16, "copy-seg layout");
_Static_assert(sizeof(struct hvp_dm_state_r) == 64, "dm-state layout");
_Static_assert(sizeof(struct hvp_vcpu_mem) == 24, "vcpu-mem layout");
_Static_assert(sizeof(struct hvp_fast) <= HVP_FAST_SIZE, "fast page set");

const char *hvproto_name(unsigned type)
{
    if (type == 0 || type >= HVP_TYPE_MAX || !hvp_table[type].name) {
        return "?";
    }
    return hvp_table[type].name;
}

static bool hvp_is_async(unsigned type)
{
    return type == HVP_EV_PEER || type == HVP_EV_UNBOUND || type == HVP_EV_VCPU ||
           type == HVP_EV_FAST;
}

int hvproto_body_size(unsigned type, int reply)
{
    if (type == 0 || type >= HVP_TYPE_MAX || !hvp_table[type].name) {
        return -EINVAL;
    }
    return reply ? hvp_table[type].rep.body : hvp_table[type].req.body;
}

int hvproto_parse(const void *buf, size_t len, int reply, struct hvp_msg *msg)
{
    const struct hvp_shape *sh;
    size_t rest;

    memset(msg, 0, sizeof(*msg));
    if (len < sizeof(struct hvp_hdr)) {
        return -EPROTO;
    }
    if (len > HVP_MAX_MSG) {
        return -EMSGSIZE;
    }
    memcpy(&msg->hdr, buf, sizeof(msg->hdr));
    if (msg->hdr.version != HVP_VERSION || msg->hdr.len != len) {
        return -EPROTO;
    }
    if (hvproto_body_size(msg->hdr.type, reply) < 0) {
        return -EPROTO;
    }
    if (hvp_is_async(msg->hdr.type) != (reply && msg->hdr.seq == 0)) {
        return -EPROTO;
    }
    if (!reply && msg->hdr.status != 0) {
        return -EPROTO;
    }
    if (reply && msg->hdr.status != 0) {
        /* an error reply carries no body */
        if (len != sizeof(struct hvp_hdr) || msg->hdr.status > 0 ||
            msg->hdr.status < -4095) {
            return -EPROTO;
        }
        return 0;
    }
    sh = reply ? &hvp_table[msg->hdr.type].rep : &hvp_table[msg->hdr.type].req;
    rest = len - sizeof(struct hvp_hdr);
    if (rest < sh->body) {
        return -EPROTO;
    }
    msg->body = (const uint8_t *)buf + sizeof(struct hvp_hdr);
    rest -= sh->body;
    if (sh->elem == 0) {
        if (rest != 0) {
            return -EPROTO;
        }
        return 0;
    }
    if (rest % sh->elem != 0 || rest / sh->elem > sh->max_elems) {
        return -EPROTO;
    }
    msg->elems = (const uint8_t *)msg->body + sh->body;
    msg->nelems = (uint32_t)(rest / sh->elem);
    return 0;
}
