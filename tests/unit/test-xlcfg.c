/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the xl config parser (xensim/xlcfg*.c): the generic
 * syntax, every error path we promise to catch, the disk spec forms
 * from xl-disk-configuration(5), libxl's vdev numbers, and the lab's
 * real pv1.cfg/hvm1.cfg.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "xensim/xlcfg.h"

static int load(const char *text, struct xlcfg *cfg, char *err)
{
    return xlcfg_read(text, strlen(text), cfg, err, 200);
}

static void test_syntax(void)
{
    struct xlcfg_raw raw;
    const struct xlcfg_setting *s;
    char err[200];
    const char *t =
        "# comment\n"
        "name = \"a\\x41\\n\" ; memory=0x10\n"
        "disk = [ 'x', \"y\",\n"
        "   'z', ]   # trailing comma\n"
        "disk += [ 'w' ]\n"
        "k2='it''s'\n";

    ok(xlcfg_parse(t, strlen(t), &raw, err, sizeof(err)) == -EINVAL,
       "adjacent strings are junk: %s", err);
    t = "# comment\n"
        "name = \"a\\x41\\n\" ; memory=0x10\n"
        "disk = [ 'x', \"y\",\n"
        "   'z', ]   # trailing comma\n"
        "disk += [ 'w' ]\n"
        "extra = 'a\\'b'\n";
    is_int(xlcfg_parse(t, strlen(t), &raw, err, sizeof(err)), 0,
           "valid syntax parses (%s)", err);
    s = xlcfg_raw_get(&raw, "name");
    ok(s && strcmp(s->str, "aA\n") == 0, "escapes decoded");
    s = xlcfg_raw_get(&raw, "memory");
    ok(s && s->is_number && strcmp(s->str, "0x10") == 0, "hex number kept");
    s = xlcfg_raw_get(&raw, "disk");
    ok(s && s->type == XLCFG_V_LIST && s->nitems == 4 &&
           strcmp(s->items[3], "w") == 0, "list with += has 4 items");
    s = xlcfg_raw_get(&raw, "extra");
    ok(s && strcmp(s->str, "a'b") == 0, "escaped quote");
    xlcfg_raw_free(&raw);
}

static void test_syntax_errors(void)
{
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        { "name = 'abc\n'", "string spans a line" },
        { "name = 'abc", "unterminated string" },
        { "name 'a'", "missing =" },
        { "= 'a'", "missing key" },
        { "name = ", "missing value" },
        { "name = abc", "bare word" },
        { "disk = [ 'a' 'b' ]", "missing comma" },
        { "disk = [ 'a',", "unterminated list" },
        { "disk = [ [ 'a' ] ]", "nested list" },
        { "name = 'a\\q'", "bad escape" },
        { "name = 'a\\0'", "NUL escape" },
        { "memory = 12ab", "bad number" },
        { "name = 'a' 'b'", "two values" },
        { "x = 1\nx += 2", "+= on a scalar" },
    };
    struct xlcfg_raw raw;
    char err[200];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ok(xlcfg_parse(bad[i].text, strlen(bad[i].text), &raw, err,
                       sizeof(err)) < 0 && strncmp(err, "line ", 5) == 0,
           "refused: %s (%s)", bad[i].why, err);
    }
}

static void test_limits(void)
{
    struct xlcfg_raw raw;
    char err[200], *big;
    size_t i, n;

    big = malloc(XLCFG_MAX_STRING + 32);
    strcpy(big, "name = '");
    n = strlen(big);
    memset(big + n, 'a', XLCFG_MAX_STRING + 1);
    strcpy(big + n + XLCFG_MAX_STRING + 1, "'");
    ok(xlcfg_parse(big, strlen(big), &raw, err, sizeof(err)) == -E2BIG,
       "over-long string refused");
    free(big);

    big = malloc(16 * (XLCFG_MAX_LIST + 2) + 32);
    strcpy(big, "disk = [");
    for (i = 0; i <= XLCFG_MAX_LIST; i++) {
        strcat(big, "'a',");
    }
    strcat(big, "]");
    ok(xlcfg_parse(big, strlen(big), &raw, err, sizeof(err)) == -E2BIG,
       "over-long list refused");
    free(big);

    ok(xlcfg_parse("a=1", XLCFG_MAX_BYTES + 1, &raw, err, sizeof(err)) ==
           -E2BIG, "over-long file refused");
    /* Embedded NUL bytes in the file are not identifiers. */
    ok(xlcfg_parse("a=1\n\0b=2", 9, &raw, err, sizeof(err)) < 0,
       "NUL byte refused");
}

static void test_disks(void)
{
    static const char *const same[] = {
        "/dev/vg/guest-volume,,hda",
        "/dev/vg/guest-volume,raw,hda,rw",
        "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
        "raw:/dev/vg/guest-volume,hda,w",
    };
    static const char *const cd[] = {
        "/root/image.iso,,hdc,cdrom",
        "/root/image.iso,,hdc,,cdrom",
        "/root/image.iso,raw,hdc,devtype=cdrom",
        "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
        "raw:/root/image.iso,hdc:cdrom,ro",
    };
    struct xlcfg_disk d;
    char err[200];
    size_t i;

    for (i = 0; i < 4; i++) {
        int rc = xlcfg_parse_disk(same[i], &d, err, sizeof(err));
        ok(rc == 0 && strcmp(d.target, "/dev/vg/guest-volume") == 0 &&
               strcmp(d.vdev, "hda") == 0 && d.readwrite && !d.cdrom &&
               d.format == XLCFG_FORMAT_RAW,
           "disk form %zu: %s (%s)", i, same[i], rc ? err : "ok");
        if (rc == 0) {
            xlcfg_disk_free(&d);
        }
    }
    for (i = 0; i < 5; i++) {
        int rc = xlcfg_parse_disk(cd[i], &d, err, sizeof(err));
        ok(rc == 0 && strcmp(d.target, "/root/image.iso") == 0 &&
               strcmp(d.vdev, "hdc") == 0 && !d.readwrite && d.cdrom,
           "cdrom form %zu: %s (%s)", i, cd[i], rc ? err : "ok");
        if (rc == 0) {
            xlcfg_disk_free(&d);
        }
    }
    ok(xlcfg_parse_disk("vdev=xvda,target=/a,b=c", &d, err, sizeof(err)) == 0 &&
           strcmp(d.target, "/a,b=c") == 0, "target= takes the rest");
    xlcfg_disk_free(&d);
    ok(xlcfg_parse_disk("format=qcow2,vdev=xvdb,backendtype=qdisk,target=/q",
                        &d, err, sizeof(err)) == 0 &&
           d.format == XLCFG_FORMAT_QCOW2 && d.backend == XLCFG_BACKEND_QDISK,
       "format and backendtype");
    xlcfg_disk_free(&d);
    ok(xlcfg_parse_disk("/a,raw,xvda,rw,extra", &d, err, sizeof(err)) < 0,
       "too many positionals refused: %s", err);
    ok(xlcfg_parse_disk("/a,raw", &d, err, sizeof(err)) < 0,
       "missing vdev refused: %s", err);
    ok(xlcfg_parse_disk(",,xvda", &d, err, sizeof(err)) < 0,
       "missing target refused: %s", err);
    ok(xlcfg_parse_disk("/a,bogus,xvda", &d, err, sizeof(err)) < 0,
       "bad format refused: %s", err);
    ok(xlcfg_parse_disk("/a,,xvda,rx", &d, err, sizeof(err)) < 0,
       "bad access refused: %s", err);
    ok(xlcfg_parse_disk("/a,,qqq", &d, err, sizeof(err)) < 0,
       "bad vdev refused: %s", err);
    ok(xlcfg_parse_disk("vdev=xvda,vdev=xvdb,target=/a", &d, err,
                        sizeof(err)) < 0, "vdev twice refused: %s", err);
    ok(xlcfg_parse_disk("color=red,vdev=xvda,target=/a", &d, err,
                        sizeof(err)) < 0, "unknown key refused: %s", err);
}

static void test_vdev(void)
{
    static const struct {
        const char *vdev;
        int num, disk, part;
    } t[] = {
        { "xvda", 51712, 0, 0 },      { "xvdb", 51728, 1, 0 },
        { "xvda1", 51713, 0, 1 },     { "hda", 768, 0, 0 },
        { "hdb", 832, 1, 0 },         { "hdc", 5632, 2, 0 },
        { "sda", 2048, 0, 0 },        { "sdb3", 2067, 1, 3 },
        { "xvdq", (1 << 28) | (16 << 8), 16, 0 },
        { "xvdaa", (1 << 28) | (26 << 8), 26, 0 },
    };
    int disk, part;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = xlcfg_vdev_number(t[i].vdev, &disk, &part);
        ok(n == t[i].num && disk == t[i].disk && part == t[i].part,
           "vdev %s = %d (got %d)", t[i].vdev, t[i].num, n);
    }
    ok(xlcfg_vdev_number("hde", &disk, &part) < 0, "hde refused");
    ok(xlcfg_vdev_number("xvd", &disk, &part) < 0, "xvd refused");
    ok(xlcfg_vdev_number("xvda01", &disk, &part) < 0, "xvda01 refused");
    ok(xlcfg_vdev_number("xvdA", &disk, &part) < 0, "xvdA refused");
}

static char *slurp(const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    FILE *f;
    char *buf;
    size_t n;

    snprintf(path, sizeof(path), "%s/tests/vectors/lab/%s",
             top != NULL ? top : ".", name);
    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    buf = calloc(1, 1 << 16);
    n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_lab_configs(void)
{
    struct xlcfg cfg;
    char err[200];
    char *t = slurp("pv1.cfg");

    ok(t != NULL && load(t, &cfg, err) == 0, "lab pv1.cfg loads (%s)",
       t ? err : "missing");
    if (t != NULL) {
        ok(strcmp(cfg.name, "pv1") == 0 && cfg.type == XLCFG_TYPE_PV &&
               cfg.memory_mb == 128 && cfg.vcpus == 1 && cfg.ndisks == 1 &&
               cfg.nvfbs == 1 && cfg.vfbs[0].vnc && cfg.vfbs[0].vncunused,
           "pv1 fields");
        ok(cfg.ndisks == 1 && strcmp(cfg.disks[0].vdev, "xvda") == 0 &&
               cfg.disks[0].backend == XLCFG_BACKEND_QDISK &&
               strcmp(cfg.disks[0].target, "/root/pv1-disk.img") == 0,
           "pv1 disk");
        xlcfg_free(&cfg);
        free(t);
    }
    t = slurp("hvm1.cfg");
    ok(t != NULL && load(t, &cfg, err) == 0, "lab hvm1.cfg loads (%s)",
       t ? err : "missing");
    if (t != NULL) {
        ok(cfg.type == XLCFG_TYPE_HVM && cfg.memory_mb == 192 &&
               cfg.videoram_mb == 8 && cfg.nserials == 1 &&
               strcmp(cfg.serials[0], "pty") == 0 &&
               strcmp(cfg.boot, "cda") == 0 && cfg.hvm_vnc.vnc,
           "hvm1 fields and defaults");
        xlcfg_free(&cfg);
        free(t);
    }
}

static void test_semantics(void)
{
    struct xlcfg cfg;
    char err[200];

    ok(load("memory = 64", &cfg, err) < 0, "name required: %s", err);
    ok(load("name='a/b'", &cfg, err) < 0, "bad name refused: %s", err);
    ok(load("name='a'\ntype='xen'", &cfg, err) < 0, "bad type: %s", err);
    ok(load("name='a'\nmemory='lots'", &cfg, err) < 0, "bad memory: %s", err);
    ok(load("name='a'\nmemory=-1", &cfg, err) < 0, "negative memory: %s",
       err);
    ok(load("name='a'\nvcpus=[1]", &cfg, err) < 0, "list for scalar: %s",
       err);
    ok(load("name='a'\nvcpus=100000", &cfg, err) < 0, "huge vcpus: %s", err);
    ok(load("name='a'\nchannel=['name=x']", &cfg, err) < 0,
       "channel without connection: %s", err);
    is_int(load("name = 'g'\ntype = 'pvh'\nguest = 'disk-verify --qd 4'\n"
                "vkb = [ '' ]\nchannel = [ 'name=c0,connection=pty' ]\n"
                "device_model_override = '/bin/dm'\nunknown_key = 7\n",
                &cfg, err), 0, "subset loads (%s)", err);
    ok(cfg.type == XLCFG_TYPE_PVH && strcmp(cfg.guest, "disk-verify --qd 4") == 0 &&
           cfg.nvkbs == 1 && cfg.nchannels == 1 &&
           cfg.channels[0].connection == XLCFG_CONN_PTY &&
           strcmp(cfg.dm_override, "/bin/dm") == 0 && cfg.memory_mb == 128,
       "subset fields");
    xlcfg_free(&cfg);
}

int main(void)
{
    test_syntax();
    test_syntax_errors();
    test_limits();
    test_disks();
    test_vdev();
    test_lab_configs();
    test_semantics();
    return tap_done();
}
