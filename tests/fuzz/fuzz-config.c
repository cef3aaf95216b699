/*
 * fuzz-config.c — libFuzzer target for the configuration loader and the tree operations that
 * consume untrusted text: YAML merged over the built-in defaults, then --set, dotted lookup,
 * value parsing, unknown-key reporting and dumping on the result.
 *
 * The input is the YAML text; its first line doubles as a --set argument, a dotted key and a
 * value to parse, so one input exercises every entry point that takes a string. The first
 * byte's low bits pick the slower paths (see below). Includes are
 * disabled (CONF_LOAD_NO_INCLUDE): a fuzzer that can name files would read the filesystem
 * (/dev/stdin blocks), which tests nothing in bongsu.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_key(const char *key, void *ud)
{
    size_t *n = ud;
    *n += strlen(key) > 0;
}

/* The first line of the input, NUL-terminated, at most 255 bytes. */
static void first_line(const uint8_t *data, size_t size, char *out, size_t outlen)
{
    size_t n = 0;
    while (n < size && n + 1 < outlen && data[n] != '\n' && data[n] != '\0') {
        out[n] = (char)data[n];
        n++;
    }
    out[n] = '\0';
}

static void exercise_tree(ConfNode *tree, const ConfNode *defaults, const char *line,
                          bool slow_checks)
{
    char err[256];
    bool b;
    int64_t i;
    uint64_t u;
    (void)conf_set(tree, line, err, sizeof(err));
    (void)conf_parse_bool(line, &b);
    (void)conf_parse_int(line, &i);
    (void)conf_parse_size(line, &u);
    const ConfNode *n = conf_node(tree, line);
    for (size_t k = 0; k < conf_node_count(n) && k < 64; k++)
        (void)conf_node_name(conf_node_child(n, k));
    (void)conf_seq_has_item(conf_node(tree, "outputs.1.eve-log.types"), "flow", &n);
    (void)conf_get_size(tree, "flow.memcap", 0);
    (void)conf_get_int(tree, "flow-timeouts.tcp.new", 0);
    (void)conf_get_bool(tree, "outputs.1.eve-log.enabled", false);
    if (slow_checks) {
        size_t unknown = 0;
        conf_for_each_unknown_key(tree, defaults, ignore_key, &unknown);
        FILE *sink = fopen("/dev/null", "w");
        if (sink != NULL) {
            conf_dump(tree, sink);
            fclose(sink);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ConfNode *defaults;
    if (defaults == NULL)
        defaults = conf_new_default();
    /* Bits of the first byte choose the costlier paths (merging over the defaults, the
     * unknown-key walk and the dump), so most executions stay fast under the sanitizers. */
    unsigned sel = size > 0 ? data[0] : 0;
    ConfNode *tree = (sel & 1) ? conf_clone(defaults) : conf_new_empty();
    char err[512];
    (void)conf_load_buffer(tree, (const char *)data, size, "fuzz.yaml", CONF_LOAD_NO_INCLUDE,
                           err, sizeof(err));
    char line[256];
    first_line(data, size, line, sizeof(line));
    exercise_tree(tree, defaults, line, (sel & 2) != 0);
    conf_free(tree);
    return 0;
}
