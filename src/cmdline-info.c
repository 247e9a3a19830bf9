/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What xendm tells about its command line: the --help text, and the
 * answer to QMP query-command-line-options, which libxl >= 4.20 asks
 * in its "-machine none" probe to learn whether -run-with takes
 * chroot= and user= (reference §A.1).  One table describes the
 * options that take key=value parameters, as QEMU lists them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "qapi/json.h"
#include "xendm.h"

struct cmdline_param {
    const char *name;
    const char *type;   /* QEMU's CommandLineParameterType */
};

struct cmdline_info {
    const char *option;
    struct cmdline_param params[8];
};

static const struct cmdline_info cmdline_infos[] = {
    {"run-with", {{"chroot", "string"}, {"user", "string"}}},
    {"machine", {{"type", "string"}, {"accel", "string"},
                 {"suppress-vmdesc", "boolean"},
                 {"max-ram-below-4g", "size"},
                 {"igd-passthru", "boolean"}}},
    {"chardev", {{"backend", "string"}, {"id", "string"},
                 {"path", "string"}, {"fd", "string"},
                 {"server", "boolean"}, {"wait", "boolean"}}},
    {"mon", {{"chardev", "string"}, {"mode", "string"},
             {"pretty", "boolean"}}},
    {"vnc", {{"addr", "string"}, {"password", "boolean"},
             {"to", "number"}}},
    {"smp", {{"cpus", "number"}, {"maxcpus", "number"}}},
    {"memory", {{"size", "size"}}},
    {"name", {{"guest", "string"}, {"process", "string"}}},
    {"boot-opts", {{"order", "string"}}},
    {"device", {{"driver", "string"}}},
    {"drive", {{"file", "string"}, {"if", "string"}, {"id", "string"},
               {"format", "string"}, {"readonly", "boolean"},
               {"cache", "string"}, {"index", "number"},
               {"media", "string"}}},
    {"netdev", {{"type", "string"}, {"id", "string"}}},
};

static struct json *cmdline_info_json(const struct cmdline_info *ci)
{
    struct json *o = json_new_object(), *params = json_new_array();
    size_t i;

    for (i = 0; i < 8 && ci->params[i].name != NULL; i++) {
        struct json *p = json_new_object();

        json_object_set(p, "name", json_new_string(ci->params[i].name));
        json_object_set(p, "type", json_new_string(ci->params[i].type));
        json_array_append(params, p);
    }
    json_object_set(o, "parameters", params);
    json_object_set(o, "option", json_new_string(ci->option));
    return o;
}

struct json *cmdline_query_options(const char *only)
{
    struct json *arr = json_new_array();
    size_t i;

    for (i = 0; i < sizeof(cmdline_infos) / sizeof(cmdline_infos[0]); i++) {
        if (only != NULL && strcmp(only, cmdline_infos[i].option) != 0) {
            continue;
        }
        json_array_append(arr, cmdline_info_json(&cmdline_infos[i]));
    }
    if (only != NULL && arr != NULL && json_array_len(arr) == 0) {
        json_free(arr);
        return NULL;
    }
    return arr;
}

void cmdline_usage(void)
{
    fputs(
        "usage: xendm [options]   (started by libxl in place of qemu-xen)\n"
        "\n"
        "  -xen-domid N            the guest's domain id\n"
        "  -machine TYPE[,...]     none | xenpv | xenfv | pc,accel=xen\n"
        "                          suppress-vmdesc=on, max-ram-below-4g=SIZE\n"
        "  -chardev socket,id=ID,path=P|fd=N,server=on,wait=off\n"
        "  -chardev pty,id=ID      -chardev null,id=ID\n"
        "  -mon chardev=ID,mode=control   a QMP monitor on chardev ID\n"
        "  -serial pty|null|none|chardev:ID\n"
        "  -vnc none|HOST:DISPLAY[,password=on][,to=N]   -display none\n"
        "  -name NAME  -m MB  -smp N[,maxcpus=M]  -k KEYMAP  -nographic\n"
        "  -device/-drive/-netdev/-net/-boot   as libxl builds them (xenfv:\n"
        "                          emulated VGA, disks and NICs refused)\n"
        "  -kernel BZIMAGE [-initrd FILE] [-append CMDLINE]   xenfv direct\n"
        "                          kernel boot through fw_cfg\n"
        "  -L DIR                  firmware directory (linuxboot.bin)\n"
        "  -S                      start paused (prelaunch)\n"
        "  -incoming fd:N          load device state from fd N first\n"
        "  -no-shutdown            stay in 'shutdown' on guest poweroff\n"
        "  -xen-attach -nodefaults -no-user-config   accepted\n"
        "  -xen-domid-restrict     restrict Xen handles to the domain\n"
        "  -chroot DIR  -runas USER  -run-with user=U,chroot=DIR\n"
        "  -dump-vmstate FILE      write the device descriptions as JSON\n"
        "  -v                      more log output (repeat for debug)\n"
        "  --help, --version, -version\n"
        "\n"
        "Environment: XEN_QEMU_CONSOLE_LIMIT (bytes per console), "
        "XENSTORED_PATH.\n"
        "See xendm(1), docs/qmp.md and docs/security.md.\n",
        stdout);
}
