/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process-creation floor for bench-qmp's "exec -> QMP greeting":
 * a program that does nothing but what any device model must do before
 * its greeting -- be exec'd, be loaded with libc, accept the client
 * waiting on the listening fd it inherits (argv[1]) and write one
 * greeting line -- then waits to be killed.  bench-qmp.py times it like
 * xendm and QEMU, so the report shows how close xendm is to the floor
 * and what ratio against QEMU any device model could reach here.
 * Trusts its argv (it is only run by the benchmark).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static const char greeting[] = "{\"QMP\":{}}\r\n";
    int fd;

    if (argc != 2) {
        return 2;
    }
    fd = accept(atoi(argv[1]), NULL, NULL);
    if (fd < 0 || write(fd, greeting, strlen(greeting)) < 0) {
        return 1;
    }
    pause();
    return 0;
}
