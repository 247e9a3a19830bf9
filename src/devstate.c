/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving and loading device state: the QMP commands and -incoming
 * reach the state engine (src/savevm.c) through here.  x->savevm is
 * the registry every device of the machine registered into; a machine
 * with no device state (-machine none, xenpv) has an empty registry,
 * whose stream is the header and EOF, exactly what QEMU writes for it.
 * x->devstate lets a machine substitute its own ops (tests do); by
 * default the savevm registry is used in the Xen shape (no footers,
 * no configuration section, no vmdesc), all-or-nothing on load.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "savevm.h"
#include "xendm.h"

static int savevm_ops_save_fd(struct xendm *x, int fd, char *err,
                              size_t errlen)
{
    if (x->savevm == NULL) {
        snprintf(err, errlen, "no device state registry");
        return -ENODEV;
    }
    return savevm_save_fd(x->savevm, fd, 0, err, errlen);
}

static int savevm_ops_load_fd(struct xendm *x, int fd, char *err,
                              size_t errlen)
{
    if (x->savevm == NULL) {
        snprintf(err, errlen, "no device state registry");
        return -ENODEV;
    }
    return savevm_load_fd(x->savevm, fd, err, errlen);
}

const struct devstate_ops devstate_savevm_ops = {
    .save_fd = savevm_ops_save_fd,
    .load_fd = savevm_ops_load_fd,
};

int devstate_save_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_savevm_ops;

    return ops->save_fd(x, fd, err, errlen);
}

int devstate_load_fd(struct xendm *x, int fd, char *err, size_t errlen)
{
    const struct devstate_ops *ops =
        x->devstate != NULL ? x->devstate : &devstate_savevm_ops;

    return ops->load_fd(x, fd, err, errlen);
}
