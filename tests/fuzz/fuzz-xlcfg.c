/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the xl config parser and loader
 * (xensim/xlcfg*.c): arbitrary bytes as a config file, then the device
 * model argv built from whatever loaded.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "xensim/dmargv.h"
#include "xensim/xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dmargv_opts o = { "dm", 1, "/run", -1 };
    struct xlcfg cfg;
    struct dmargv a;
    char err[200];

    if (xlcfg_read((const char *)data, size, &cfg, err, sizeof(err)) == 0) {
        if (dmargv_build(&cfg, &o, &a) == 0) {
            dmargv_free(&a);
        }
        xlcfg_free(&cfg);
    }
    return 0;
}
