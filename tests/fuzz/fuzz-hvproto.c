/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for xensim's hypervisor protocol: the message
 * parser (hvproto_parse, both directions) and the daemon's dispatch.
 * Per input: a fresh socketless service, a control-domain client and
 * a guest client of one small HVM domain, each on a socketpair.  The
 * input is a sequence of chunks [selector][len lo][len hi][bytes]:
 * selector bit 0 picks the client, bit 1 asks the harness to prepend
 * a well-formed header (type from the first byte) so the fuzzer
 * reaches the handlers; the bytes go through the same recv/parse/
 * dispatch path as a socket client's.  Replies are read and parsed as
 * the client library would, and any fds they carry are closed.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "xensim/hvproto.h"
#include "xensim/hvsvc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_drain(int fd)
{
    uint64_t buf[HVP_MAX_MSG / 8 + 1];
    char cbuf[CMSG_SPACE(sizeof(int) * HVP_MAX_FDS)];
    struct hvp_msg m;

    for (;;) {
        struct iovec iov = {buf, sizeof(buf)};
        struct msghdr mh = {0};
        struct cmsghdr *cm;
        ssize_t n;

        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        n = recvmsg(fd, &mh, MSG_DONTWAIT);
        if (n <= 0) {
            return;
        }
        for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            size_t k, nf = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

            for (k = 0; k < nf; k++) {
                int f;

                memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
                close(f);
            }
        }
        hvproto_parse(buf, (size_t)n, 1, &m);
    }
}

static void fuzz_send(struct loop *loop, int fd, uint16_t type,
                      const void *body, size_t len)
{
    uint64_t buf[HVP_MAX_MSG / 8 + 1];
    struct hvp_hdr h = {HVP_VERSION, type, (uint32_t)(sizeof(h) + len), 1, 0};

    if (len > HVP_MAX_MSG - sizeof(h)) {
        return;
    }
    memcpy(buf, &h, sizeof(h));
    memcpy((uint8_t *)buf + sizeof(h), body, len);
    send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL | MSG_DONTWAIT);
    loop_run_once(loop, 0);
    fuzz_drain(fd);
}

static int fuzz_client(struct loop *loop, struct hyp *hs, uint32_t domid,
                       bool priv)
{
    struct hvp_hello hello = {HVP_VERSION, 0};
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0) {
        return -1;
    }
    if (hvsvc_adopt(hs, sv[1], domid, priv) < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    fuzz_send(loop, sv[0], HVP_HELLO, &hello, sizeof(hello));
    return sv[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hvp_dom_create dc = {HVP_DOM_HVM, 2, 64, 2, 7};
    struct hvp_msg m;
    struct loop *loop;
    struct hyp *hs;
    int fd[2] = {-1, -1};
    size_t off = 0;

    hvproto_parse(data, size, 0, &m);
    hvproto_parse(data, size, 1, &m);
    loop = loop_new();
    hs = loop ? hvsvc_start(loop, NULL) : NULL;
    if (!hs) {
        loop_free(loop);
        return 0;
    }
    fd[0] = fuzz_client(loop, hs, 0, true);
    fuzz_send(loop, fd[0], HVP_DOM_CREATE, &dc, sizeof(dc));
    fd[1] = fuzz_client(loop, hs, 7, false);
    while (off + 3 <= size && fd[0] >= 0 && fd[1] >= 0) {
        uint8_t sel = data[off];
        size_t len = data[off + 1] | (size_t)data[off + 2] << 8;
        int which = sel & 1;

        off += 3;
        if (len > size - off) {
            len = size - off;
        }
        if ((sel & 2) && len > 0) {
            uint16_t type = (uint16_t)(data[off] % HVP_TYPE_MAX);

            /* creating huge domains only burns memory; keep them small */
            if (type == HVP_DOM_CREATE && len >= 1 + 16) {
                uint64_t pages;

                memcpy(&pages, data + off + 1 + 8, 8);
                if (pages > 4096) {
                    off += len;
                    continue;
                }
            }
            fuzz_send(loop, fd[which], type, data + off + 1, len - 1);
        } else {
            send(fd[which], data + off, len, MSG_NOSIGNAL | MSG_DONTWAIT);
            loop_run_once(loop, 0);
            fuzz_drain(fd[which]);
        }
        off += len;
    }
    hvsvc_stop(hs);
    loop_free(loop);
    close(fd[0]);
    close(fd[1]);
    return 0;
}
