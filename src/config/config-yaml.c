/*
 * config-yaml.c — merges Suricata-style YAML into a configuration tree, with libyaml's event
 * parser.
 *
 * Events, not libyaml's document API: the document API builds a whole second tree and expands
 * aliases, while the event stream maps one to one onto "find or create this child, then merge
 * the value into it", which is exactly the merge semantics wanted here:
 *
 *   - a mapping merges key by key into whatever is there (so a user file only needs the keys
 *     it changes, and the built-in defaults fill the rest);
 *   - a scalar replaces the node (value set, children dropped), except that an empty scalar
 *     (`key:` with nothing after it) over a mapping leaves the mapping alone: that is how people
 *     comment out every entry of a section, not a request to wipe the defaults under it;
 *   - a sequence replaces the whole node: a user who lists eve-log types wants those types,
 *     not the union with the stock list;
 *   - `include: FILE` / `include: [A, B]` merges the files into the mapping being read, at that
 *     point (later keys win); `key: !include FILE` merges the file into key. Relative names are
 *     resolved against the including file's directory.
 *
 * Suricata compatibility details: keys containing '.' create nested nodes ("a.b: 1" == a: {b:
 * 1}); '_' in keys becomes '-' (Suricata's deprecated spelling), except the names under
 * vars.address-groups and vars.port-groups, which are user-defined (HOME_NET).
 *
 * Bounds, because configuration may come from anywhere (and the fuzzer): files over 16 MiB,
 * nesting deeper than 64, more than 8 nested includes and more than a million nodes per load are
 * errors. Anchors are ignored and aliases are rejected: expanding them is how "billion laughs"
 * files blow up, and Suricata configurations do not use them.
 *
 * A load works on a copy of the tree and swaps it in only on success, so a bad file (or a bad
 * include halfway through) never leaves a half-merged configuration behind.
 */
#include "config/config-tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* State shared by a file and everything it includes. */
typedef struct {
    unsigned flags;
    size_t nodes;      /* nodes created so far (bounded by CONF_MAX_NODES) */
    int include_depth; /* files currently open (bounded by CONF_MAX_INCLUDE_DEPTH) */
    char *err;
    size_t errlen;
} LoadCtx;

/* One YAML stream being read. */
typedef struct {
    LoadCtx *g;
    yaml_parser_t parser;
    const char *name; /* for messages */
    const char *dir;  /* for relative includes */
} YamlReader;

static int fail(LoadCtx *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(LoadCtx *g, const char *fmt, ...)
{
    if (g->err != NULL && g->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err, g->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static unsigned long line_of(const yaml_event_t *ev)
{
    return (unsigned long)ev->start_mark.line + 1;
}

/* Next event, or -1 with libyaml's diagnosis and position. */
static int next_event(YamlReader *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->parser, ev))
        return 0;
    const yaml_parser_t *p = &r->parser;
    const char *what = p->problem != NULL ? p->problem : "invalid YAML";
    if (p->context != NULL)
        return fail(r->g, "%s:%lu: %s %s", r->name, (unsigned long)p->problem_mark.line + 1,
                    what, p->context);
    return fail(r->g, "%s:%lu: %s", r->name, (unsigned long)p->problem_mark.line + 1, what);
}

static int count_node(YamlReader *r, const yaml_event_t *ev)
{
    if (++r->g->nodes <= CONF_MAX_NODES)
        return 0;
    return fail(r->g, "%s:%lu: too many configuration nodes (limit %u)", r->name, line_of(ev),
                CONF_MAX_NODES);
}

static int read_file(LoadCtx *g, const char *path, char **out, size_t *out_len);
static int load_text_at(LoadCtx *g, ConfNode *target, const char *text, size_t len,
                        const char *path, int depth);
static int parse_value(YamlReader *r, yaml_event_t *ev, ConfNode *node, int depth);

/* ---- include ----------------------------------------------------------------------------- */

static int include_file(YamlReader *r, const yaml_event_t *ev, ConfNode *target, int depth)
{
    const char *file = (const char *)ev->data.scalar.value;
    if (r->g->flags & CONF_LOAD_NO_INCLUDE)
        return fail(r->g, "%s:%lu: include of '%s' not allowed here", r->name, line_of(ev), file);
    if (file[0] == '\0')
        return fail(r->g, "%s:%lu: include with an empty file name", r->name, line_of(ev));
    if (r->g->include_depth >= CONF_MAX_INCLUDE_DEPTH)
        return fail(r->g, "%s:%lu: includes nested deeper than %d (include loop?)", r->name,
                    line_of(ev), CONF_MAX_INCLUDE_DEPTH);
    char *path;
    if (file[0] == '/' || strcmp(r->dir, ".") == 0)
        path = conf_xstrndup(file, strlen(file));
    else if (asprintf(&path, "%s/%s", r->dir, file) < 0)
        return fail(r->g, "%s:%lu: out of memory", r->name, line_of(ev));
    LoadCtx *g = r->g;
    char *text = NULL;
    size_t len = 0;
    char sub[512] = "";
    char *outer_err = g->err;
    size_t outer_len = g->errlen;
    g->err = sub;
    g->errlen = sizeof(sub);
    int rc = read_file(g, path, &text, &len);
    g->err = outer_err;
    g->errlen = outer_len;
    if (rc != 0) {
        /* Cannot read it: that is an error of the including line. */
        fail(g, "%s:%lu: include %s", r->name, line_of(ev), sub);
    } else {
        /* An error inside the included file names that file and line; say once (at the
         * innermost level) where it was included from. */
        rc = load_text_at(g, target, text, len, path, depth);
        if (rc != 0 && g->err != NULL && strstr(g->err, " (included from ") == NULL) {
            size_t used = strlen(g->err);
            snprintf(g->err + used, g->errlen - used, " (included from %s:%lu)", r->name,
                     line_of(ev));
        }
    }
    free(text);
    free(path);
    return rc;
}

/* The value of an `include:` key: a file name or a sequence of them, merged into target. */
static int parse_include(YamlReader *r, ConfNode *target, int depth)
{
    yaml_event_t ev;
    if (next_event(r, &ev) != 0)
        return -1;
    int rc = 0;
    if (ev.type == YAML_SCALAR_EVENT) {
        rc = include_file(r, &ev, target, depth);
    } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
        for (;;) {
            yaml_event_t item;
            if (next_event(r, &item) != 0) {
                rc = -1;
                break;
            }
            if (item.type == YAML_SEQUENCE_END_EVENT) {
                yaml_event_delete(&item);
                break;
            }
            if (item.type != YAML_SCALAR_EVENT)
                rc = fail(r->g, "%s:%lu: include list items must be file names", r->name,
                          line_of(&item));
            else
                rc = include_file(r, &item, target, depth);
            yaml_event_delete(&item);
            if (rc != 0)
                break;
        }
    } else {
        rc = fail(r->g, "%s:%lu: include must be a file name or a list of them", r->name,
                  line_of(&ev));
    }
    yaml_event_delete(&ev);
    return rc;
}

/* ---- keys -------------------------------------------------------------------------------- */

/* Suricata spells keys with '-'; '_' is an old spelling it still accepts. User-defined names
 * (address and port group variables) keep theirs. */
static void mangle_key(const ConfNode *parent, char *key)
{
    if (strcmp(parent->name, "address-groups") == 0 || strcmp(parent->name, "port-groups") == 0)
        return;
    for (char *p = key; *p != '\0'; p++)
        if (*p == '_')
            *p = '-';
}

/* The child a mapping key designates; "a.b.c" walks (and creates) nested nodes. */
static ConfNode *key_target(YamlReader *r, const yaml_event_t *kev, ConfNode *map)
{
    const char *key = (const char *)kev->data.scalar.value;
    size_t klen = kev->data.scalar.length;
    if (klen == 0 || memchr(key, '\0', klen) != NULL) {
        fail(r->g, "%s:%lu: empty or invalid mapping key", r->name, line_of(kev));
        return NULL;
    }
    char *copy = conf_xstrndup(key, klen);
    ConfNode *n = map;
    for (char *p = copy, *dot;; p = dot + 1) {
        dot = strchr(p, '.');
        if (dot != NULL)
            *dot = '\0';
        if (*p == '\0') {
            fail(r->g, "%s:%lu: empty component in key '%s'", r->name, line_of(kev), key);
            n = NULL;
            break;
        }
        mangle_key(n, p);
        ConfNode *parent = n;
        n = conf_tree_step(n, p, strlen(p));
        if (n == NULL) {
            fail(r->g, "%s:%lu: key '%s': '%s' is not an index into the list '%s'", r->name,
                 line_of(kev), key, p, parent->name);
            break;
        }
        if (dot == NULL)
            break;
    }
    free(copy);
    return n;
}

/* ---- values ------------------------------------------------------------------------------ */

static int parse_mapping(YamlReader *r, ConfNode *map, int depth)
{
    for (;;) {
        yaml_event_t kev, vev;
        if (next_event(r, &kev) != 0)
            return -1;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            return 0;
        }
        int rc;
        if (kev.type != YAML_SCALAR_EVENT) {
            rc = fail(r->g, "%s:%lu: mapping keys must be plain scalars", r->name,
                      line_of(&kev));
        } else if (count_node(r, &kev) != 0) {
            rc = -1;
        } else if (strcmp((const char *)kev.data.scalar.value, "include") == 0) {
            rc = parse_include(r, map, depth);
        } else {
            ConfNode *child = key_target(r, &kev, map);
            rc = child == NULL ? -1 : next_event(r, &vev);
            if (rc == 0) {
                rc = parse_value(r, &vev, child, depth);
                yaml_event_delete(&vev);
            }
        }
        yaml_event_delete(&kev);
        if (rc != 0)
            return rc;
    }
}

static int parse_sequence(YamlReader *r, ConfNode *seq, int depth)
{
    for (size_t idx = 0;; idx++) {
        yaml_event_t ev;
        if (next_event(r, &ev) != 0)
            return -1;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        char name[24];
        int nlen = snprintf(name, sizeof(name), "%zu", idx);
        int rc = count_node(r, &ev);
        if (rc == 0)
            rc = parse_value(r, &ev, conf_tree_append(seq, name, (size_t)nlen), depth);
        yaml_event_delete(&ev);
        if (rc != 0)
            return rc;
    }
}

static int parse_scalar(YamlReader *r, const yaml_event_t *ev, ConfNode *node, int depth)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag != NULL && strcmp(tag, "!include") == 0) {
        if (node->value != NULL || node->is_seq)
            conf_tree_make_container(node, false);
        return include_file(r, ev, node, depth);
    }
    size_t len = ev->data.scalar.length;
    if (len == 0 && node->nkids > 0)
        return 0; /* `key:` with nothing after it keeps the section (see top of file) */
    conf_tree_set_scalar(node, (const char *)ev->data.scalar.value, len);
    return 0;
}

/* Merge the value that starts with *ev into node. depth counts enclosing collections. */
static int parse_value(YamlReader *r, yaml_event_t *ev, ConfNode *node, int depth)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return parse_scalar(r, ev, node, depth);
    case YAML_MAPPING_START_EVENT:
        if (depth >= CONF_MAX_DEPTH)
            return fail(r->g, "%s:%lu: nesting deeper than %d levels", r->name, line_of(ev),
                        CONF_MAX_DEPTH);
        if (node->value != NULL || node->is_seq)
            conf_tree_make_container(node, false);
        return parse_mapping(r, node, depth + 1);
    case YAML_SEQUENCE_START_EVENT:
        if (depth >= CONF_MAX_DEPTH)
            return fail(r->g, "%s:%lu: nesting deeper than %d levels", r->name, line_of(ev),
                        CONF_MAX_DEPTH);
        conf_tree_make_container(node, true);
        return parse_sequence(r, node, depth + 1);
    case YAML_ALIAS_EVENT:
        return fail(r->g, "%s:%lu: YAML aliases (*%s) are not supported", r->name, line_of(ev),
                    (const char *)ev->data.alias.anchor);
    default:
        return fail(r->g, "%s:%lu: unexpected YAML event", r->name, line_of(ev));
    }
}

/* A whole stream: each document's top level must be a mapping (or empty). */
static int parse_stream(YamlReader *r, ConfNode *target, int depth)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev) != 0)
            return -1;
        int rc = 0;
        bool done = ev.type == YAML_STREAM_END_EVENT;
        if (ev.type == YAML_MAPPING_START_EVENT) {
            rc = parse_value(r, &ev, target, depth);
        } else if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0) {
            /* an empty document ("---" and nothing else) */
        } else if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
                   ev.type == YAML_ALIAS_EVENT) {
            rc = fail(r->g, "%s:%lu: the top level must be a mapping of keys", r->name,
                      line_of(&ev));
        }
        yaml_event_delete(&ev);
        if (rc != 0)
            return rc;
        if (done)
            return 0;
    }
}

static int load_text(LoadCtx *g, ConfNode *target, const char *text, size_t len,
                     const char *name, const char *dir, int depth)
{
    if (len > CONF_MAX_FILE_SIZE)
        return fail(g, "%s: larger than %u MiB", name, CONF_MAX_FILE_SIZE >> 20);
    YamlReader r = {.g = g, .name = name, .dir = dir};
    if (!yaml_parser_initialize(&r.parser))
        return fail(g, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
    g->include_depth++;
    int rc = parse_stream(&r, target, depth);
    g->include_depth--;
    yaml_parser_delete(&r.parser);
    return rc;
}

/* ---- files ------------------------------------------------------------------------------- */

/* Read at most CONF_MAX_FILE_SIZE bytes (plus one, to notice a bigger file). Works for pipes
 * too (-c <(...)), which is why it reads instead of trusting st_size alone. */
static int read_file(LoadCtx *g, const char *path, char **out, size_t *out_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(g, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(g, "%s: is a directory", path);
    }
    if (S_ISREG(st.st_mode) && st.st_size > (off_t)CONF_MAX_FILE_SIZE) {
        close(fd);
        return fail(g, "%s: larger than %u MiB", path, CONF_MAX_FILE_SIZE >> 20);
    }
    size_t cap = 64 * 1024, len = 0;
    char *buf = conf_xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > CONF_MAX_FILE_SIZE)
                break;
            cap *= 2;
            buf = conf_xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return fail(g, "%s: read error: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (len > CONF_MAX_FILE_SIZE) {
        free(buf);
        return fail(g, "%s: larger than %u MiB", path, CONF_MAX_FILE_SIZE >> 20);
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* Parse text read from path; relative includes in it resolve against path's directory. */
static int load_text_at(LoadCtx *g, ConfNode *target, const char *text, size_t len,
                        const char *path, int depth)
{
    char *dir = conf_xstrndup(path, strlen(path));
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0'; /* "/x.yaml" lives in "/" */
    else
        *slash = '\0';
    int rc = load_text(g, target, text, len, path, dir, depth);
    free(dir);
    return rc;
}

static int load_file_into(LoadCtx *g, ConfNode *target, const char *path, int depth)
{
    char *text = NULL;
    size_t len = 0;
    if (read_file(g, path, &text, &len) != 0)
        return -1;
    int rc = load_text_at(g, target, text, len, path, depth);
    free(text);
    return rc;
}

/* ---- entry points: load into a copy, swap in on success ---------------------------------- */

int conf_yaml_load_buffer(ConfNode *root, const char *text, size_t len, const char *name,
                          const char *dir, unsigned flags, char *err, size_t errlen)
{
    LoadCtx g = {.flags = flags, .err = err, .errlen = errlen};
    ConfNode *scratch = conf_clone(root);
    int rc = load_text(&g, scratch, text, len, name, dir, 0);
    if (rc == 0)
        conf_tree_take(root, scratch);
    conf_free(scratch);
    return rc;
}

int conf_yaml_load_file(ConfNode *root, const char *path, unsigned flags, char *err,
                        size_t errlen)
{
    LoadCtx g = {.flags = flags, .err = err, .errlen = errlen};
    if (path == NULL || path[0] == '\0')
        return fail(&g, "(no file name): cannot open");
    ConfNode *scratch = conf_clone(root);
    int rc = load_file_into(&g, scratch, path, 0);
    if (rc == 0)
        conf_tree_take(root, scratch);
    conf_free(scratch);
    return rc;
}
