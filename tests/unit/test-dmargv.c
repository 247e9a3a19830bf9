/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device-model argv builder (xensim/dmargv.c) against the argv
 * real libxl 4.17 gave qemu-xen in the lab (tests/vectors/lab/dm-NNN.argv):
 * PV create, HVM create, HVM restore, element by element.  Then the
 * branches the lab did not exercise, checked against libxl's source.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "xensim/dmargv.h"

static FILE *open_vector(const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[4096];

    snprintf(path, sizeof(path), "%s/tests/vectors/lab/%s",
             top != NULL ? top : ".", name);
    return fopen(path, "r");
}

static int load_cfg(const char *name, struct xlcfg *cfg)
{
    FILE *f = open_vector(name);
    char buf[8192], err[200];
    size_t n;

    if (f == NULL) {
        return -ENOENT;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (xlcfg_read(buf, n, cfg, err, sizeof(err)) < 0) {
        printf("# %s: %s\n", name, err);
        return -EINVAL;
    }
    return 0;
}

/* Reads "argv[N]: value" lines; returns the count (argv[0] excluded). */
static size_t load_argv(const char *name, char want[][256], size_t max)
{
    FILE *f = open_vector(name);
    char line[512];
    size_t n = 0;

    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL && n < max) {
        unsigned idx;
        int off = 0;
        if (sscanf(line, "argv[%u]: %n", &idx, &off) == 1 && off > 0 &&
            idx == n + 1) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(want[n++], 256, "%s", line + off);
        }
    }
    fclose(f);
    return n;
}

static void compare(const char *what, const char *cfgname,
                    const char *argvname, uint32_t domid, int restore_fd)
{
    static char want[128][256];
    struct dmargv_opts o = { "/usr/libexec/xen-qemu-system-i386", domid,
                             "/var/run/xen", restore_fd };
    struct xlcfg cfg;
    struct dmargv a;
    size_t n = load_argv(argvname, want, 128), i;
    int rc;

    if (!ok(n > 0 && load_cfg(cfgname, &cfg) == 0, "%s: vectors load", what)) {
        return;
    }
    rc = dmargv_build(&cfg, &o, &a);
    if (!ok(rc == 0, "%s: argv builds", what)) {
        xlcfg_free(&cfg);
        return;
    }
    is_int(a.argc - 1, n, "%s: %zu arguments like libxl", what, n);
    for (i = 0; i < n && i + 1 < a.argc; i++) {
        if (strcmp(a.argv[i + 1], want[i]) != 0) {
            break;
        }
    }
    ok(i == n, "%s: every argument matches libxl's", what);
    if (i < n) {
        printf("#   argv[%zu]: got '%s', want '%s'\n", i + 1,
               i + 1 < a.argc ? a.argv[i + 1] : "(end)", want[i]);
    }
    ok(a.nenv >= 1 && strcmp(a.env[0], "XEN_QEMU_CONSOLE_LIMIT=1048576") == 0,
       "%s: XSA-180 console limit in the environment", what);
    if (cfg.type == XLCFG_TYPE_HVM) {
        char e[64];
        snprintf(e, sizeof(e), "XEN_DOMAIN_ID=%u", domid);
        ok(a.nenv == 2 && strcmp(a.env[1], e) == 0, "%s: %s", what, e);
    } else {
        ok(a.nenv == 1, "%s: no XEN_DOMAIN_ID for PV", what);
    }
    dmargv_free(&a);
    xlcfg_free(&cfg);
}

static int build_from(const char *text, uint32_t domid, struct dmargv *a)
{
    struct dmargv_opts o = { "dm", domid, "/run", -1 };
    struct xlcfg cfg;
    char err[200];
    int rc = xlcfg_read(text, strlen(text), &cfg, err, sizeof(err));

    if (rc < 0) {
        printf("# %s\n", err);
        return rc;
    }
    rc = dmargv_build(&cfg, &o, a);
    xlcfg_free(&cfg);
    return rc;
}

static bool has_pair(const struct dmargv *a, const char *opt, const char *val)
{
    size_t i;

    for (i = 1; i + 1 < a->argc; i++) {
        if (strcmp(a->argv[i], opt) == 0 && strcmp(a->argv[i + 1], val) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_arg(const struct dmargv *a, const char *opt)
{
    size_t i;

    for (i = 1; i < a->argc; i++) {
        if (strcmp(a->argv[i], opt) == 0) {
            return true;
        }
    }
    return false;
}

static void test_branches(void)
{
    struct dmargv a;
    struct xlcfg cfg;
    char err[200];

    ok(build_from("name='p'\ndisk=['vdev=xvda,target=/d']", 7, &a) == 0 &&
           has_pair(&a, "-vnc", "none") && has_arg(&a, "-nographic") &&
           has_pair(&a, "-machine", "xenpv") && has_arg(&a, "-xen-attach") &&
           has_pair(&a, "-m", "128") &&
           strcmp(a.argv[a.argc - 1], "128") == 0,
       "PV without vfb: -vnc none, -nographic");
    dmargv_free(&a);
    ok(build_from("name='c'\nchannel=['name=a,connection=pty',"
                  "'name=b,connection=socket,path=/s']", 2, &a) == 0 &&
           has_pair(&a, "-chardev", "pty,id=libxl-channel0") &&
           has_pair(&a, "-chardev",
                    "socket,id=libxl-channel1,path=/s,server=on,wait=off"),
       "channels become chardevs");
    dmargv_free(&a);
    ok(build_from("name='h'\ntype='hvm'\nvnc=0\nvcpus=2\nvga='stdvga'\n"
                  "serial=['pty','null']\nacpi=0\n"
                  "disk=['vdev=hdc,devtype=cdrom,target=/i.iso',"
                  "'vdev=sda,target=/s.img','vdev=xvde,target=/x']", 5,
                  &a) == 0 &&
           has_pair(&a, "-vnc", "none") && !has_arg(&a, "-xen-attach") &&
           has_pair(&a, "-smp", "2,maxcpus=2") &&
           has_pair(&a, "-device", "VGA,vgamem_mb=16") &&
           has_pair(&a, "-serial", "null") && has_arg(&a, "-no-acpi") &&
           has_pair(&a, "-device", "lsi53c895a") &&
           has_pair(&a, "-drive", "if=ide,index=2,readonly=on,media=cdrom,"
                                  "id=ide-5632,file=/i.iso,format=raw") &&
           has_pair(&a, "-device", "scsi-hd,drive=scsi0-hd0,scsi-id=0") &&
           has_pair(&a, "-m", "112"),
       "HVM branches: smp, stdvga, serial list, cdrom, scsi, no xvde");
    dmargv_free(&a);
    ok(build_from("name='h'\ntype='hvm'\nvnclisten='0.0.0.0'\nvncdisplay=3\n"
                  "vncunused=0\nvncpasswd='x'\nvga='none'", 1, &a) == 0 &&
           has_pair(&a, "-vnc", "0.0.0.0:3,password=on") &&
           !has_arg(&a, "-device") && has_pair(&a, "-m", "128"),
       "VNC listen/display/password, no VGA");
    dmargv_free(&a);
    ok(build_from("name='h'\ntype='hvm'\nvnclisten='1.2.3.4:1'\n"
                  "vncdisplay=2", 1, &a) == -EINVAL,
       "vnclisten with a display and vncdisplay refused (as libxl)");
    ok(build_from("name='h'\ntype='hvm'\n"
                  "disk=['vdev=hda,access=ro,target=/r']", 1, &a) == -EINVAL,
       "read-only IDE disk refused (as libxl)");
    ok(xlcfg_read("name='n'", 8, &cfg, err, sizeof(err)) == 0 &&
           !dmargv_needed(&cfg), "a bare PV guest needs no device model");
    xlcfg_free(&cfg);
    ok(xlcfg_read("name='n'\nvkb=['']", 17, &cfg, err, sizeof(err)) == 0 &&
           dmargv_needed(&cfg), "a vkb needs a device model");
    xlcfg_free(&cfg);
}

int main(void)
{
    compare("pv1 create", "pv1.cfg", "dm-280.argv", 1, -1);
    compare("hvm1 create", "hvm1.cfg", "dm-681.argv", 3, -1);
    compare("hvm1 restore", "hvm1.cfg", "dm-1166.argv", 4, 15);
    test_branches();
    return tap_done();
}
