/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Giving up privileges, in the order docs/security.md gives: every
 * Xen handle, xenstore connection, socket and file xendm will need is
 * opened first; then -xen-domid-restrict restricts the Xen handles to
 * the guest; then -chroot / -run-with chroot= confines the file
 * system; then -runas / -run-with user= drops to that user's uid and
 * gid (supplementary groups cleared).  All of it happens before the
 * machine's start(), the first access to guest data.  The user is
 * resolved at start-up (privs_resolve), while /etc/passwd is still
 * reachable, so an unknown user is refused before anything starts.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xen/store.h"
#include "xendm.h"

/* "name", or "uid:gid" as newer QEMU accepts. */
int privs_resolve(struct xendm *x, char *err, size_t errlen)
{
    const char *u = x->opts.runas;
    const struct passwd *pw;
    unsigned long uid, gid;
    char *end;

    if (u == NULL) {
        return 0;
    }
    pw = getpwnam(u);
    if (pw != NULL) {
        x->run_uid = pw->pw_uid;
        x->run_gid = pw->pw_gid;
        x->run_as = true;
        return 0;
    }
    errno = 0;
    uid = strtoul(u, &end, 10);
    if (end != u && *end == ':' && errno == 0) {
        const char *g = end + 1;

        gid = strtoul(g, &end, 10);
        if (end != g && *end == '\0' && errno == 0 && uid < UINT32_MAX &&
            gid < UINT32_MAX) {
            x->run_uid = (uid_t)uid;
            x->run_gid = (gid_t)gid;
            x->run_as = true;
            return 0;
        }
    }
    snprintf(err, errlen, "-runas: User \"%s\" doesn't exist", u);
    return -ENOENT;
}

static int privs_chroot(const char *dir, char *err, size_t errlen)
{
    /*
     * libxenstore cancels its reader thread in xs_close(), and glibc
     * loads libgcc_s lazily for pthread_cancel: inside an empty chroot
     * that load fails and glibc aborts the process at exit.  Load it
     * now, while the host's libraries are reachable, and keep it.
     */
    if (dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE) == NULL) {
        log_warnx("chroot: cannot preload libgcc_s.so.1 (%s); exit may "
                  "abort inside the chroot", dlerror());
    }
    if (chroot(dir) < 0) {
        snprintf(err, errlen, "chroot %s: %s", dir, strerror(errno));
        return -errno;
    }
    if (chdir("/") < 0) {
        snprintf(err, errlen, "chdir / in %s: %s", dir, strerror(errno));
        return -errno;
    }
    return 0;
}

static int privs_setid(struct xendm *x, char *err, size_t errlen)
{
    if (setgroups(0, NULL) < 0 || setgid(x->run_gid) < 0 ||
        setuid(x->run_uid) < 0) {
        snprintf(err, errlen, "dropping to uid %u gid %u: %s",
                 (unsigned)x->run_uid, (unsigned)x->run_gid,
                 strerror(errno));
        return -EPERM;
    }
    /* Must not be able to get root back. */
    if (x->run_uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "uid %u could become root again",
                 (unsigned)x->run_uid);
        return -EPERM;
    }
    return 0;
}

int privs_drop(struct xendm *x, char *err, size_t errlen)
{
    int rc;

    if (x->opts.domid_restrict && x->machine->restrict_handles != NULL) {
        rc = x->machine->restrict_handles(x, err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    if (x->opts.domid_restrict) {
        /* As QEMU's libxenstore under xentoolcore_restrict_all. */
        store_restrict(x->store);
    }
    if (x->opts.chroot_dir != NULL) {
        rc = privs_chroot(x->opts.chroot_dir, err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    if (x->run_as) {
        rc = privs_setid(x, err, errlen);
        if (rc < 0) {
            return rc;
        }
    }
    log_info("privileges: restrict=%s chroot=%s uid=%u gid=%u",
             x->opts.domid_restrict ? "yes" : "no",
             x->opts.chroot_dir != NULL ? x->opts.chroot_dir : "-",
             (unsigned)getuid(), (unsigned)getgid());
    return 0;
}
