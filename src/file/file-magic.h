/*
 * file-magic.h - libmagic's description of a file's first bytes ("PDF document, version
 * 1.4"), for the file.magic buffer and the filemagic keyword.
 *
 * libmagic is slow next to everything else done per file (tens of microseconds a call), so
 * it runs only when a loaded rule reads file.magic: the buffer's registration names
 * file_magic_request as what rule loading calls for each rule that uses it.
 */
#ifndef BONGSU_FILE_MAGIC_H
#define BONGSU_FILE_MAGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many leading bytes of a file are described (as Suricata, which looks at 512). */
#define FILE_MAGIC_HEAD 512

/* Start-up: compute the description of every file from now on (the file.magic buffer's
 * on-rule-use hook). Opens libmagic's default database once; when it cannot, a warning, and
 * files get none. */
void file_magic_request(void);
bool file_magic_wanted(void);
/* The description of data, as a malloc'd string; NULL when libmagic has none. Thread-safe. */
char *file_magic_describe(const uint8_t *data, size_t len);

#endif
