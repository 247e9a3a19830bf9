/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's QMP client (xensim/qmpclient.c) against real QEMU
 * 7.2 (`-M none -S`): greeting, capabilities, a query, an error
 * class, events skipped, and the libxl save sequence -- stop, add-fd
 * with SCM_RIGHTS, xen-save-devices-state to /dev/fdset/N -- checked
 * by the QEVM magic QEMU writes into our file.  Then a scripted bad
 * server: LF-only framing, a mismatched id, an oversized message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"
#include "xensim/qmpclient.h"

static char dir[] = "/tmp/test-qmpc-XXXXXX";

static pid_t start_qemu(const char *sock)
{
    char qmp[512];
    pid_t pid;

    snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", sock);
    pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "none", "-S",
               "-nodefaults", "-display", "none", "-qmp", qmp, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_real_qemu(void)
{
    char sock[256], file[256], err[256];
    struct json *ret = NULL, *args;
    struct qmpc *c;
    int major, minor, micro, fd;
    int64_t fdset;
    pid_t pid;
    char magic[4] = { 0 };

    snprintf(sock, sizeof(sock), "%s/qmp.sock", dir);
    pid = start_qemu(sock);
    c = qmpc_connect(sock, 20000, err, sizeof(err));
    if (!ok(c != NULL, "connects to QEMU and negotiates (%s)",
            c ? "ok" : err)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return;
    }
    qmpc_version(c, &major, &minor, &micro);
    ok(major >= 7, "greeting version %d.%d.%d", major, minor, micro);
    is_int(qmpc_execute(c, "query-status", NULL, -1, 5000, &ret, err,
                        sizeof(err)), 0, "query-status");
    ok(ret && json_string(json_get(ret, "status")) &&
           strcmp(json_string(json_get(ret, "status")), "prelaunch") == 0,
       "status is prelaunch under -S");
    json_free(ret);
    is_int(qmpc_execute(c, "no-such-command", NULL, -1, 5000, NULL, err,
                        sizeof(err)), -EREMOTEIO, "unknown command: %s", err);
    ok(strcmp(qmpc_last_error_class(c), "CommandNotFound") == 0,
       "error class CommandNotFound");
    is_int(qmpc_execute(c, "add-fd", NULL, -1, 5000, NULL, err, sizeof(err)),
           -EREMOTEIO, "add-fd without an fd is refused: %s", err);

    /* libxl's save sequence. */
    is_int(qmpc_execute(c, "cont", NULL, -1, 5000, NULL, err, sizeof(err)),
           0, "cont");
    is_int(qmpc_execute(c, "stop", NULL, -1, 5000, NULL, err, sizeof(err)),
           0, "stop");
    snprintf(file, sizeof(file), "%s/qemu-save", dir);
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    is_int(qmpc_execute(c, "add-fd", NULL, fd, 5000, &ret, err, sizeof(err)),
           0, "add-fd with SCM_RIGHTS (%s)", err);
    close(fd);
    ok(ret && json_int64(json_get(ret, "fdset-id"), &fdset),
       "add-fd returns an fdset-id");
    json_free(ret);
    args = json_new_object();
    {
        char path[64];
        snprintf(path, sizeof(path), "/dev/fdset/%lld", (long long)fdset);
        json_object_set(args, "filename", json_new_string(path));
        json_object_set(args, "live", json_new_bool(false));
    }
    is_int(qmpc_execute(c, "xen-save-devices-state", args, -1, 10000, NULL,
                        err, sizeof(err)), 0,
           "xen-save-devices-state to /dev/fdset/N (%s)", err);
    json_free(args);
    ok(qmpc_events_seen(c) >= 1, "STOP/RESUME events were skipped");
    fd = open(file, O_RDONLY);
    ok(fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "QEVM", 4) == 0,
       "QEMU wrote a QEVM stream into the fd we passed");
    if (fd >= 0) {
        close(fd);
    }
    unlink(file);
    qmpc_close(c);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* A server that sends `script` after accepting, then waits. */
static pid_t fake_server(const char *sock, const char *script, size_t n)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    pid_t pid;

    strcpy(sa.sun_path, sock);
    unlink(sock);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, 1) < 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int c = accept(lfd, NULL, NULL);
        char junk[4096];
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(c, script + off, n - off);
            if (w <= 0) {
                _exit(0);
            }
            off += (size_t)w;
        }
        while (read(c, junk, sizeof(junk)) > 0) {
        }
        _exit(0);
    }
    close(lfd);
    return pid;
}

static void run_fake(const char *what, const char *script, size_t n,
                     int want_rc)
{
    char sock[256], err[256] = "";
    struct qmpc *c;
    pid_t pid;

    snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
    pid = fake_server(sock, script, n);
    c = qmpc_connect(sock, 1500, err, sizeof(err));
    ok(c == NULL && errno == -want_rc, "%s refused (%s)", what, err);
    qmpc_close(c);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_bad_servers(void)
{
    static const char greet[] =
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
        "\"major\": 7}}, \"capabilities\": []}}";
    char buf[512];
    char *big;

    snprintf(buf, sizeof(buf), "%s\n", greet);
    run_fake("LF-only framing", buf, strlen(buf), -ETIMEDOUT);
    snprintf(buf, sizeof(buf), "%s\r\n{\"return\": {}, \"id\": 5}\r\n", greet);
    run_fake("reply with a wrong id", buf, strlen(buf), -EPROTO);
    snprintf(buf, sizeof(buf), "[1,2]\r\n");
    run_fake("greeting that is not an object", buf, strlen(buf), -EPROTO);
    snprintf(buf, sizeof(buf), "{\"return\": {}}\r\n");
    run_fake("no greeting", buf, strlen(buf), -EPROTO);
    big = malloc(QMPC_MAX_MSG + 16);
    memset(big, ' ', QMPC_MAX_MSG + 16);
    run_fake("a message over 1 MiB", big, QMPC_MAX_MSG + 16, -EMSGSIZE);
    free(big);
}

int main(void)
{
    char cmd[300];

    signal(SIGPIPE, SIG_IGN);
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") == 0) {
        test_real_qemu();
    } else {
        printf("ok 1 # SKIP qemu-system-x86_64 not installed\n");
        tap_n++;
    }
    test_bad_servers();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) {
        printf("# cleanup failed\n");
    }
    return tap_done();
}
