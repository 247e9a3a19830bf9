/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The save-state registry and QEMU's device-only stream.
 *
 * Devices register their state (a vmstate_desc and the plain struct
 * it describes) under QEMU's idstr ("<pci path>/<name>" for PCI
 * devices, the bare name otherwise).  The writer emits the Xen shape
 * by default: magic "QEVM", version 3, one FULL section per entry
 * that is needed, EOF; never RAM.  The reader accepts that shape and
 * QEMU's non-Xen shape (footers, configuration section, a trailing
 * VMDESCRIPTION), makes every check QEMU makes, refuses RAM sections,
 * and is all-or-nothing: a failed load leaves every registered state
 * byte-identical.
 *
 * Theory of operation.  Registration assigns section ids in order
 * (as QEMU's global_section_id does, RAM entries included, so a
 * registry built like QEMU's writes the same ids) and instance ids
 * counted per idstr.  Saving walks the entries by priority (higher
 * first, then registration order).  Loading copies an entry's state
 * into a private shadow the first time the stream names it, decodes
 * every section into the shadows (hooks run on the shadow, see
 * vmstate.h), checks the whole stream through EOF and any trailing
 * VMDESCRIPTION, and only then copies each shadow over the live state
 * and calls the entries' `loaded` hooks in save order.  Any refusal
 * frees the shadows: live state was never written.
 *
 * Messages: every failing call fills `err` (if non-NULL) with one
 * line naming the byte offset and the reason, worded as QEMU words it
 * where QEMU has a message (docs/stream-format.md lists them).
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

/* Largest stream we write or read (a Xen device set is ~12 KiB). */
#define SAVEVM_MAX_STREAM (64u * 1024 * 1024)

/* Entry flags. */
#define SAVEVM_F_RAM 0x1u   /* iterable/RAM state: never written, refused */

/* Writer options (0: the Xen shape). */
#define SAVEVM_FOOTERS 0x1u        /* 0x7e + be32 section id after each */
#define SAVEVM_CONFIGURATION 0x2u  /* 0x07 + machine name after header */
#define SAVEVM_QEMU_SHAPE (SAVEVM_FOOTERS | SAVEVM_CONFIGURATION)

/* The machine name written to / checked against a configuration. */
#define SAVEVM_DEFAULT_MACHINE "xenfv"

struct savevm;

struct savevm_reg {
    const char *idstr;      /* QEMU's idstr, 1..255 bytes */
    int instance_id;        /* -1: next free for this idstr, from 0 */
    int alias_id;           /* -1: none; an older instance id also accepted */
    int priority;           /* higher is saved earlier; default 0 */
    unsigned flags;         /* SAVEVM_F_* */
    /* Required unless SAVEVM_F_RAM. */
    const struct vmstate_desc *vmsd;
    void *opaque;           /* the live state struct ... */
    size_t size;            /* ... and its size (the shadow's size) */
    /* RAM entries without a vmsd: the version they would claim. */
    int version_id;
    /* After a successful load has committed every entry (may be NULL). */
    void (*loaded)(void *opaque);
};

struct savevm *savevm_new(void);
void savevm_free(struct savevm *sv);

/* Sets the machine name for configuration sections (default "xenfv"). */
int savevm_set_machine(struct savevm *sv, const char *name);

/*
 * Registers an entry.  Returns its section id (>= 0), or -EINVAL (bad
 * idstr, description that does not fit `size`), -EEXIST (idstr and
 * instance already registered) or -ENOMEM.
 */
int savevm_register(struct savevm *sv, const struct savevm_reg *reg);

/* Writes QEMU's PCI idstr "%04x:%02x:%02x.%x/<name>" into buf. */
int savevm_pci_idstr(char *buf, size_t len, unsigned seg, unsigned bus,
                     unsigned dev, unsigned fn, const char *name);

/* The description registered under idstr/instance (or alias), or NULL. */
const struct vmstate_desc *savevm_find(const struct savevm *sv,
                                       const char *idstr,
                                       uint32_t instance_id);

/* Appends a whole stream to `out`.  0 or -errno (pre_save refusals,
 * -E2BIG past SAVEVM_MAX_STREAM, -ENOMEM). */
int savevm_save_buf(struct savevm *sv, struct wbuf *out, unsigned opts,
                    char *err, size_t errlen);

/*
 * Writes a whole stream to an open fd from its current offset: either
 * every byte is written (and, for a regular file, synced) or the
 * error is returned (-ENOSPC, -EIO, -EBADF, ...) after truncating the
 * file back to where it started, so no partial stream remains.
 */
int savevm_save_fd(struct savevm *sv, int fd, unsigned opts, char *err,
                   size_t errlen);

/*
 * Saves to `path` through a temporary file in the same directory,
 * fsync and rename: `path` is either the complete stream or untouched.
 */
int savevm_save_path(struct savevm *sv, const char *path, unsigned opts,
                     char *err, size_t errlen);

/* Loads a whole stream, all-or-nothing.  0 or -errno with a message. */
int savevm_load_buf(struct savevm *sv, const void *data, size_t len,
                    char *err, size_t errlen);

/* Reads fd to its end (at most SAVEVM_MAX_STREAM bytes) and loads it. */
int savevm_load_fd(struct savevm *sv, int fd, char *err, size_t errlen);
int savevm_load_path(struct savevm *sv, const char *path, char *err,
                     size_t errlen);

#endif
