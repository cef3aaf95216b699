/*
 * file-magic.c - one libmagic handle for the process (see file-magic.h).
 *
 * A libmagic cookie must not be used by two threads at once. Descriptions are made once per
 * file, so one cookie behind a mutex costs nothing measurable and avoids a handle (and its
 * loaded database, several MB) per thread.
 */
#include "file/file-magic.h"

#include <magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

static magic_t cookie;
static pthread_mutex_t cookie_lock = PTHREAD_MUTEX_INITIALIZER;

static void close_cookie(void)
{
    if (cookie)
        magic_close(cookie);
    cookie = NULL;
}

void file_magic_request(void)
{
    if (cookie)
        return;
    magic_t opened = magic_open(MAGIC_NONE);
    if (!opened || magic_load(opened, NULL) != 0) {
        log_warning("file.magic: cannot load libmagic's database (%s); no file gets a magic",
                    opened ? magic_error(opened) : "out of memory");
        if (opened)
            magic_close(opened);
        return;
    }
    cookie = opened;
    atexit(close_cookie);
}

bool file_magic_wanted(void)
{
    return cookie != NULL;
}

char *file_magic_describe(const uint8_t *data, size_t len)
{
    if (!cookie)
        return NULL;
    pthread_mutex_lock(&cookie_lock);
    const char *text = magic_buffer(cookie, data, len);
    char *copy = text ? strdup(text) : NULL;
    pthread_mutex_unlock(&cookie_lock);
    return copy;
}
