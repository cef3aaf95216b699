/*
 * fuzz-conf-util.h - how a parser's fuzz target configures it: once per process, from the
 * built-in defaults with a few --set style overrides that switch on the optional code the
 * target wants reached (fingerprints, header dumps, hashes). Doing it once keeps every run
 * identical and the per-input cost to the parse itself.
 */
#ifndef BONGSU_FUZZ_CONF_UTIL_H
#define BONGSU_FUZZ_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* Calls configure with the defaults plus sets[0..n) ("key=value"), on the first call only. */
static inline void fuzz_configure_once(void (*configure)(const ConfNode *conf),
                                       const char *const *sets, size_t n)
{
    static bool done;
    if (done)
        return;
    done = true;
    ConfNode *conf = conf_new_default();
    char err[128];
    for (size_t i = 0; i < n; i++)
        conf_set(conf, sets[i], err, sizeof(err));
    configure(conf);
    conf_free(conf);
}

#endif /* BONGSU_FUZZ_CONF_UTIL_H */
