/*
 * config.c — the configuration tree: nodes, dotted lookup, typed getters, --set, unknown-key
 * reporting and dumping. The YAML loader lives in config-yaml.c, the built-in defaults in
 * config-defaults.c; both build trees with the primitives defined here (config-tree.h).
 *
 * Why a tree and not a struct of settings: Suricata's configuration is open-ended (outputs are a
 * list of plugins, each with its own options, addressed by index from the command line), and
 * bongsu must accept a Suricata user's file and --set options verbatim. Stages read the few keys
 * they need once at start-up with the getters below and keep the results in their own contexts,
 * so the tree is never on a packet path and simple linear structures are enough.
 *
 * Dotted keys: "a.b.c" walks child names; a component never contains '.', so keys with dots
 * (which Suricata also splits when loading YAML) cannot be addressed, exactly as in Suricata.
 */
#include "config/config-tree.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation -------------------------------------------------------------------------- */

static void conf_oom(void)
{
    fputs("bongsu: out of memory while building the configuration\n", stderr);
    abort();
}

void *conf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        conf_oom();
    return p;
}

void *conf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        conf_oom();
    return q;
}

char *conf_xstrndup(const char *s, size_t n)
{
    char *p = conf_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- nodes and the child index ----------------------------------------------------------- */

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a: short keys, no adversarial concern beyond O(n) */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void index_insert(ConfNode *p, size_t pos)
{
    const ConfNode *k = p->kids[pos];
    size_t mask = p->index_cap - 1;
    size_t i = name_hash(k->name, strlen(k->name)) & mask;
    while (p->index[i] != 0)
        i = (i + 1) & mask;
    p->index[i] = (uint32_t)(pos + 1);
}

static void index_rebuild(ConfNode *p)
{
    size_t cap = 64;
    while (cap < 4 * p->nkids)
        cap *= 2;
    free(p->index);
    p->index = conf_xmalloc(cap * sizeof(*p->index));
    memset(p->index, 0, cap * sizeof(*p->index));
    p->index_cap = cap;
    for (size_t i = 0; i < p->nkids; i++)
        index_insert(p, i);
}

ConfNode *conf_tree_new(const char *name, size_t name_len)
{
    ConfNode *n = conf_xmalloc(sizeof(*n));
    memset(n, 0, sizeof(*n));
    n->name = conf_xstrndup(name, name_len);
    return n;
}

static void node_free(ConfNode *n)
{
    if (n == NULL)
        return;
    conf_tree_clear_children(n);
    free(n->name);
    free(n->value);
    free(n);
}

void conf_tree_clear_children(ConfNode *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->index);
    n->kids = NULL;
    n->index = NULL;
    n->nkids = n->cap = n->index_cap = 0;
}

ConfNode *conf_tree_find(const ConfNode *p, const char *name, size_t len)
{
    if (p->index != NULL) {
        size_t mask = p->index_cap - 1;
        for (size_t i = name_hash(name, len) & mask; p->index[i] != 0; i = (i + 1) & mask) {
            ConfNode *k = p->kids[p->index[i] - 1];
            if (strncmp(k->name, name, len) == 0 && k->name[len] == '\0')
                return k;
        }
        return NULL;
    }
    for (size_t i = 0; i < p->nkids; i++) {
        ConfNode *k = p->kids[i];
        if (strncmp(k->name, name, len) == 0 && k->name[len] == '\0')
            return k;
    }
    return NULL;
}

ConfNode *conf_tree_append(ConfNode *p, const char *name, size_t len)
{
    if (p->nkids == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 4;
        p->kids = conf_xrealloc(p->kids, p->cap * sizeof(*p->kids));
    }
    ConfNode *k = conf_tree_new(name, len);
    p->kids[p->nkids++] = k;
    /* Keep the index at most one quarter full so probes stay short. */
    if (p->index != NULL && 4 * p->nkids <= p->index_cap)
        index_insert(p, p->nkids - 1);
    else if (p->nkids > CONF_INDEX_THRESHOLD)
        index_rebuild(p);
    return k;
}

ConfNode *conf_tree_get_or_add(ConfNode *p, const char *name, size_t len)
{
    ConfNode *k = conf_tree_find(p, name, len);
    return k != NULL ? k : conf_tree_append(p, name, len);
}

void conf_tree_set_scalar(ConfNode *n, const char *value, size_t len)
{
    conf_tree_clear_children(n);
    n->is_seq = false;
    free(n->value);
    n->value = conf_xstrndup(value, len);
}

void conf_tree_make_container(ConfNode *n, bool is_seq)
{
    conf_tree_clear_children(n);
    free(n->value);
    n->value = NULL;
    n->is_seq = is_seq;
}

void conf_tree_take(ConfNode *dst, ConfNode *src)
{
    conf_tree_make_container(dst, src->is_seq);
    dst->value = src->value;
    dst->kids = src->kids;
    dst->nkids = src->nkids;
    dst->cap = src->cap;
    dst->index = src->index;
    dst->index_cap = src->index_cap;
    src->value = NULL;
    src->kids = NULL;
    src->index = NULL;
    src->nkids = src->cap = src->index_cap = 0;
    src->is_seq = false;
}

/* ---- construction ------------------------------------------------------------------------ */

ConfNode *conf_new_empty(void)
{
    return conf_tree_new("", 0);
}

ConfNode *conf_new_default(void)
{
    ConfNode *root = conf_new_empty();
    char err[512];
    if (conf_load_string(root, conf_default_yaml, "<built-in defaults>", err, sizeof(err)) != 0) {
        /* The defaults are compiled in and covered by unit tests; failing here is a bug. */
        fprintf(stderr, "bongsu: built-in configuration is broken: %s\n", err);
        abort();
    }
    return root;
}

static ConfNode *clone_rec(const ConfNode *src)
{
    ConfNode *dst = conf_tree_new(src->name, strlen(src->name));
    dst->is_seq = src->is_seq;
    if (src->value != NULL)
        dst->value = conf_xstrndup(src->value, strlen(src->value));
    for (size_t i = 0; i < src->nkids; i++) {
        const ConfNode *k = src->kids[i];
        ConfNode *copy = clone_rec(k);
        /* Reuse append's growth and index logic, then swap the empty stub for the copy. */
        ConfNode *slot = conf_tree_append(dst, k->name, strlen(k->name));
        dst->kids[dst->nkids - 1] = copy;
        node_free(slot);
    }
    return dst;
}

ConfNode *conf_clone(const ConfNode *root)
{
    return clone_rec(root);
}

void conf_free(ConfNode *root)
{
    node_free(root);
}

/* ---- loading entry points ---------------------------------------------------------------- */

int conf_load_file(ConfNode *root, const char *path, char *err, size_t errlen)
{
    return conf_yaml_load_file(root, path, 0, err, errlen);
}

int conf_load_string(ConfNode *root, const char *yaml_text, const char *name_for_errors,
                     char *err, size_t errlen)
{
    if (yaml_text == NULL) {
        set_err(err, errlen, "%s: no text", name_for_errors != NULL ? name_for_errors : "?");
        return -1;
    }
    return conf_load_buffer(root, yaml_text, strlen(yaml_text), name_for_errors, 0, err, errlen);
}

int conf_load_buffer(ConfNode *root, const char *text, size_t len, const char *name_for_errors,
                     unsigned flags, char *err, size_t errlen)
{
    const char *name = name_for_errors != NULL ? name_for_errors : "<string>";
    return conf_yaml_load_buffer(root, text, len, name, ".", flags, err, errlen);
}

/* ---- lookup ------------------------------------------------------------------------------ */

const ConfNode *conf_node_lookup(const ConfNode *n, const char *dotted)
{
    if (n == NULL || dotted == NULL)
        return NULL;
    const char *p = dotted;
    while (*p != '\0' && n != NULL) {
        const char *dot = strchr(p, '.');
        size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
        n = conf_tree_find(n, p, len);
        p += len;
        if (*p == '.')
            p++;
    }
    return n;
}

const ConfNode *conf_node(const ConfNode *root, const char *dotted)
{
    return conf_node_lookup(root, dotted);
}

const char *conf_get(const ConfNode *root, const char *dotted)
{
    const ConfNode *n = conf_node_lookup(root, dotted);
    return n != NULL ? n->value : NULL;
}

const char *conf_get_str(const ConfNode *root, const char *dotted, const char *dflt)
{
    const char *v = conf_get(root, dotted);
    return v != NULL ? v : dflt;
}

bool conf_get_bool(const ConfNode *root, const char *dotted, bool dflt)
{
    bool b;
    const char *v = conf_get(root, dotted);
    return v != NULL && conf_parse_bool(v, &b) == 0 ? b : dflt;
}

int64_t conf_get_int(const ConfNode *root, const char *dotted, int64_t dflt)
{
    int64_t i;
    const char *v = conf_get(root, dotted);
    return v != NULL && conf_parse_int(v, &i) == 0 ? i : dflt;
}

uint64_t conf_get_size(const ConfNode *root, const char *dotted, uint64_t dflt)
{
    uint64_t s;
    const char *v = conf_get(root, dotted);
    return v != NULL && conf_parse_size(v, &s) == 0 ? s : dflt;
}

const char *conf_node_name(const ConfNode *n)
{
    return n != NULL ? n->name : NULL;
}

const char *conf_node_value(const ConfNode *n)
{
    return n != NULL ? n->value : NULL;
}

size_t conf_node_count(const ConfNode *n)
{
    return n != NULL ? n->nkids : 0;
}

const ConfNode *conf_node_child(const ConfNode *n, size_t i)
{
    return n != NULL && i < n->nkids ? n->kids[i] : NULL;
}

bool conf_node_is_sequence(const ConfNode *n)
{
    return n != NULL && n->is_seq;
}

bool conf_seq_has_item(const ConfNode *seq, const char *name, const ConfNode **item_body)
{
    if (item_body != NULL)
        *item_body = NULL;
    if (seq == NULL || name == NULL)
        return false;
    if (!seq->is_seq) {
        /* `types: {flow: ...}` — not Suricata's layout, but harmless to accept. */
        const ConfNode *k = conf_tree_find(seq, name, strlen(name));
        if (k != NULL && item_body != NULL)
            *item_body = k->nkids > 0 ? k : NULL;
        return k != NULL;
    }
    for (size_t i = 0; i < seq->nkids; i++) {
        const ConfNode *item = seq->kids[i];
        if (item->nkids == 0 && item->value != NULL && strcmp(item->value, name) == 0)
            return true;
        const ConfNode *k = conf_tree_find(item, name, strlen(name));
        if (k != NULL) {
            if (item_body != NULL)
                *item_body = k->nkids > 0 ? k : NULL;
            return true;
        }
    }
    return false;
}

/* ---- value parsers ----------------------------------------------------------------------- */

int conf_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1", "enabled", "enable"};
    static const char *const no[] = {"no", "false", "off", "0", "disabled", "disable"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

int conf_parse_int(const char *s, int64_t *out)
{
    /* Base 10 only: "010" is ten, not eight, as a user writing a timeout means. */
    s = skip_space(s);
    if (*s == '\0')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *skip_space(end) != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* Multiplier for a size suffix (Suricata's ParseSizeString: kb/mb/gb, binary); 0 if unknown. */
static uint64_t size_unit(const char *u, size_t len)
{
    static const struct {
        const char *name;
        uint64_t mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"kb", 1024ull},
                 {"mb", 1024ull * 1024},
                 {"gb", 1024ull * 1024 * 1024},
                 {"tb", 1024ull * 1024 * 1024 * 1024}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strlen(units[i].name) == len && strncasecmp(u, units[i].name, len) == 0)
            return units[i].mult;
    }
    return 0;
}

int conf_parse_size(const char *s, uint64_t *out)
{
    /* Integer arithmetic throughout ("1.5gb" must be exact, not 1610612735). */
    s = skip_space(s);
    if (!isdigit((unsigned char)*s))
        return -1;
    uint64_t whole = 0, frac = 0, frac_div = 1;
    for (; isdigit((unsigned char)*s); s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (whole > (UINT64_MAX - d) / 10)
            return -1;
        whole = whole * 10 + d;
    }
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return -1;
        for (; isdigit((unsigned char)*s); s++) {
            if (frac_div < 1000000000ull) { /* nine decimals are plenty; ignore the rest */
                frac = frac * 10 + (uint64_t)(*s - '0');
                frac_div *= 10;
            }
        }
    }
    s = skip_space(s);
    const char *u = s;
    while (isalpha((unsigned char)*s))
        s++;
    size_t ulen = (size_t)(s - u);
    if (*skip_space(s) != '\0')
        return -1;
    uint64_t mult = size_unit(u, ulen);
    if (mult == 0 || (whole != 0 && whole > UINT64_MAX / mult))
        return -1;
    uint64_t v = whole * mult;
    /* frac / frac_div * mult, without overflow: mult <= 2^40 and frac < 10^9 < 2^30. */
    unsigned __int128 f = (unsigned __int128)frac * mult / frac_div;
    if (v > UINT64_MAX - (uint64_t)f)
        return -1;
    *out = v + (uint64_t)f;
    return 0;
}

/* ---- --set ------------------------------------------------------------------------------- */

static bool is_index(const char *s, size_t len)
{
    if (len == 0 || len > 9)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

ConfNode *conf_tree_step(ConfNode *n, const char *comp, size_t len)
{
    ConfNode *k = conf_tree_find(n, comp, len);
    if (k != NULL)
        return k;
    if (n->is_seq && !is_index(comp, len)) {
        if (n->nkids > 0)
            return NULL;
        n->is_seq = false; /* an empty list given a key is a mapping now */
    }
    /* A scalar that grows a child becomes a mapping. For a sequence item this is what turns
     * `- flow` into `- flow: {x: y}` under "types.N.flow.x=y": the child carries the name. */
    free(n->value);
    n->value = NULL;
    return conf_tree_append(n, comp, len);
}

/* One step of --set. Unlike YAML (where the syntax says what is a list), --set can only guess:
 * a fresh node indexed by a number becomes a sequence, as "intel.files.0=x" means. */
static ConfNode *set_step(ConfNode *n, const char *comp, size_t len, const char *key, char *err,
                          size_t errlen)
{
    if (n->nkids == 0 && is_index(comp, len))
        n->is_seq = true;
    ConfNode *k = conf_tree_step(n, comp, len);
    if (k == NULL)
        set_err(err, errlen, "--set %s: '%.*s' is not an index into sequence '%s'", key,
                (int)len, comp, n->name);
    return k;
}

int conf_set(ConfNode *root, const char *kv, char *err, size_t errlen)
{
    const char *eq = kv != NULL ? strchr(kv, '=') : NULL;
    if (eq == NULL) {
        set_err(err, errlen, "--set %s: expected KEY=VALUE", kv != NULL ? kv : "(null)");
        return -1;
    }
    const char *key = kv, *val = eq + 1;
    size_t klen = (size_t)(eq - kv), vlen = strlen(val);
    trim(&key, &klen);
    trim(&val, &vlen);
    char *keycopy = conf_xstrndup(key, klen); /* for messages */
    ConfNode *n = root;
    int rc = 0;
    for (const char *p = key, *end = key + klen; rc == 0;) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t len = dot != NULL ? (size_t)(dot - p) : (size_t)(end - p);
        if (len == 0) {
            set_err(err, errlen, "--set %s=...: empty key component", keycopy);
            rc = -1;
            break;
        }
        n = set_step(n, p, len, keycopy, err, errlen);
        if (n == NULL) {
            rc = -1;
            break;
        }
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    if (rc == 0)
        conf_tree_set_scalar(n, val, vlen);
    free(keycopy);
    return rc;
}

/* ---- unknown keys ------------------------------------------------------------------------ */

/* A set of normalized key paths ("outputs.*.eve-log.types.*.alert"): open addressing, kept at
 * most half full. A hash rather than a sorted array because the reported set grows during the
 * walk, and a file with a million unknown keys must not take quadratic time. */
typedef struct {
    char **slot;
    size_t n, cap;
} KeySet;

static bool keyset_has(const KeySet *s, const char *path)
{
    if (s->cap == 0)
        return false;
    size_t mask = s->cap - 1;
    for (size_t i = name_hash(path, strlen(path)) & mask; s->slot[i] != NULL; i = (i + 1) & mask)
        if (strcmp(s->slot[i], path) == 0)
            return true;
    return false;
}

static void keyset_put(KeySet *s, char *owned)
{
    size_t mask = s->cap - 1, i = name_hash(owned, strlen(owned)) & mask;
    while (s->slot[i] != NULL)
        i = (i + 1) & mask;
    s->slot[i] = owned;
    s->n++;
}

static void keyset_add(KeySet *s, const char *path)
{
    if (keyset_has(s, path))
        return;
    if (2 * (s->n + 1) > s->cap) {
        KeySet bigger = {.cap = s->cap ? 2 * s->cap : 256};
        bigger.slot = conf_xmalloc(bigger.cap * sizeof(char *));
        memset(bigger.slot, 0, bigger.cap * sizeof(char *));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i] != NULL)
                keyset_put(&bigger, s->slot[i]);
        free(s->slot);
        *s = bigger;
    }
    keyset_put(s, conf_xstrndup(path, strlen(path)));
}

static void keyset_free(KeySet *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
}

/* Path buffer that grows as the walk descends; truncated paths just compare unequal. */
typedef struct {
    char buf[1024];
    size_t len;
} Path;

static size_t path_push(Path *p, const char *comp)
{
    size_t old = p->len;
    int w = snprintf(p->buf + p->len, sizeof(p->buf) - p->len, "%s%s", old ? "." : "", comp);
    if (w > 0)
        p->len = p->len + (size_t)w < sizeof(p->buf) ? p->len + (size_t)w : sizeof(p->buf) - 1;
    return old;
}

static void path_pop(Path *p, size_t old)
{
    p->len = old;
    p->buf[old] = '\0';
}

static void collect_known(const ConfNode *n, Path *norm, KeySet *set)
{
    for (size_t i = 0; i < n->nkids; i++) {
        const ConfNode *k = n->kids[i];
        size_t old = path_push(norm, n->is_seq ? "*" : k->name);
        keyset_add(set, norm->buf);
        /* A scalar item `- flow` makes "types.*.flow" known, so `- flow: {...}` is accepted. */
        if (n->is_seq && k->nkids == 0 && k->value != NULL && k->value[0] != '\0') {
            size_t old2 = path_push(norm, k->value);
            keyset_add(set, norm->buf);
            path_pop(norm, old2);
        }
        collect_known(k, norm, set);
        path_pop(norm, old);
    }
    if (n->is_seq && n->nkids == 0) { /* an empty list still accepts items */
        size_t old = path_push(norm, "*");
        keyset_add(set, norm->buf);
        path_pop(norm, old);
    }
}

/* Does pattern ("a.*.b", * matches one component) equal path or a prefix of it? */
static bool pattern_covers(const char *pat, const char *path)
{
    if (pat[0] != '*' && pat[0] != path[0])
        return false; /* the common case, decided without scanning for dots */
    while (*pat != '\0') {
        const char *pe = strchr(pat, '.'), *qe = strchr(path, '.');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t ql = qe ? (size_t)(qe - path) : strlen(path);
        if (*path == '\0')
            return false;
        if (!(pl == 1 && pat[0] == '*') && (pl != ql || strncmp(pat, path, pl) != 0))
            return false;
        pat += pl + (pe != NULL);
        path += ql + (qe != NULL);
        if (pe == NULL)
            return true;
        if (qe == NULL)
            return false;
    }
    return true;
}

static bool is_open(const char *norm)
{
    for (size_t i = 0; conf_open_sections[i] != NULL; i++)
        if (pattern_covers(conf_open_sections[i], norm))
            return true;
    return false;
}

typedef struct {
    KeySet known;
    KeySet reported;
    void (*cb)(const char *dotted_key, void *ud);
    void *ud;
} UnknownWalk;

static void walk_loaded(const ConfNode *n, Path *real, Path *norm, UnknownWalk *w)
{
    for (size_t i = 0; i < n->nkids; i++) {
        const ConfNode *k = n->kids[i];
        size_t oldr = path_push(real, k->name);
        size_t oldn = path_push(norm, n->is_seq ? "*" : k->name);
        if (keyset_has(&w->known, norm->buf)) {
            walk_loaded(k, real, norm, w);
        } else if (!is_open(norm->buf) && !keyset_has(&w->reported, norm->buf)) {
            /* Report once per normalized key. */
            keyset_add(&w->reported, norm->buf);
            w->cb(real->buf, w->ud);
        }
        path_pop(norm, oldn);
        path_pop(real, oldr);
    }
}

void conf_for_each_unknown_key(const ConfNode *loaded, const ConfNode *known,
                               void (*cb)(const char *dotted_key, void *ud), void *ud)
{
    if (loaded == NULL || cb == NULL)
        return;
    UnknownWalk w = {.cb = cb, .ud = ud};
    Path real = {.len = 0}, norm = {.len = 0};
    real.buf[0] = norm.buf[0] = '\0';
    if (known != NULL)
        collect_known(known, &norm, &w.known);
    walk_loaded(loaded, &real, &norm, &w);
    keyset_free(&w.known);
    keyset_free(&w.reported);
}

/* ---- dump -------------------------------------------------------------------------------- */

static void dump_rec(const ConfNode *n, Path *p, FILE *out)
{
    if (n->value != NULL)
        fprintf(out, "%s = %s\n", p->buf, n->value);
    for (size_t i = 0; i < n->nkids; i++) {
        size_t old = path_push(p, n->kids[i]->name);
        dump_rec(n->kids[i], p, out);
        path_pop(p, old);
    }
}

void conf_dump(const ConfNode *root, FILE *out)
{
    Path p = {.len = 0};
    p.buf[0] = '\0';
    if (root != NULL)
        dump_rec(root, &p, out);
}
