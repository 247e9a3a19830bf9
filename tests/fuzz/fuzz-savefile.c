/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer harness for the xensim save-file reader
 * (xensim/savefile.c): arbitrary bytes as a save file, every record
 * read and every MEMORY record decoded against a small domain.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xensim/savefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct savefile_reader r;
    struct savefile_record rec;
    int fd = memfd_create("fuzz", MFD_CLOEXEC);

    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0 &&
        savefile_open(&r, fd) == 0) {
        while (savefile_next(&r, &rec) == 1) {
            uint64_t pfn;
            uint32_t count;
            const uint8_t *pages;
            if (rec.type == SAVEFILE_REC_MEMORY) {
                (void)savefile_memory_decode(&rec, 64, &pfn, &count, &pages);
            }
            free(rec.body);
        }
    }
    close(fd);
    return 0;
}
