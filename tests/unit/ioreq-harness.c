/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared pieces of the ioreq tests (see ioreq-harness.h).  The child
 * device model dies with the test (PR_SET_PDEATHSIG), so a failing
 * test leaves no process behind.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xen/hvm/ioreq.h>

#include "tests/unit/ioreq-harness.h"

pid_t dmproc_start(dmproc_main_fn *fn, uint32_t domid, uint32_t vcpus)
{
    int p[2], rc = -1;
    pid_t pid;

    if (pipe(p) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        fn(domid, vcpus, p[1]);
        _exit(1);
    }
    close(p[1]);
    if (pid > 0 && (read(p[0], &rc, sizeof(rc)) != sizeof(rc) || rc != 0)) {
        printf("# device model setup failed: %d\n", rc);
        dmproc_stop(pid);
        pid = -1;
    }
    close(p[0]);
    return pid;
}

void dmproc_ready(int ready_fd, int rc)
{
    if (write(ready_fd, &rc, sizeof(rc)) != sizeof(rc) || rc != 0) {
        _exit(1);
    }
    close(ready_fd);
}

void dmproc_stop(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

int vcpu_access(struct hvc *g, uint32_t domid, uint32_t vcpu, uint8_t type,
                uint8_t dir, uint64_t addr, uint32_t size, uint64_t *data)
{
    struct hvc_io x = {type, dir, 0, 0, size, 1, false, addr, *data, 0};
    int rc = hvc_vcpu_io(g, domid, vcpu, &x);

    *data = x.data;
    return rc;
}

uint64_t vcpu_rd(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
                 uint32_t size)
{
    uint64_t v = 0x1234;

    if (vcpu_access(g, domid, 0, type, IOREQ_READ, addr, size, &v) < 0) {
        return 0x1234;
    }
    return v;
}

int vcpu_wr(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
            uint32_t size, uint64_t val)
{
    return vcpu_access(g, domid, 0, type, IOREQ_WRITE, addr, size, &val);
}

int vcpu_bwr(struct hvc *g, uint32_t domid, uint8_t type, uint64_t addr,
             uint32_t size, uint64_t val)
{
    struct hvc_io x = {type, IOREQ_WRITE, 0, 0, size, 1, true, addr, val, 0};

    return hvc_vcpu_io(g, domid, 0, &x);
}
