/*
 * detect-iprep-file.c - Suricata's IP reputation files and the store they fill.
 *
 *   categories:  <id>,<short name>,<description>        (id 0-59)
 *   reputation:  <address or netblock>,<category id>,<score>   (score 0-127)
 *
 * '#' lines and blank lines are skipped. A netblock entry covers every address in it; the most
 * specific entry covering an address is its reputation, as in Suricata's radix tree. A later
 * line for the same netblock and category replaces the earlier score. Entries are kept sorted
 * by prefix length (longest first) then address, so a lookup is one binary search per prefix
 * length present.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/array.h"
#include "common/textutil.h"
#include "config/config.h"
#include "detect/detect-iprep.h"

typedef struct IprepEntry {
    uint8_t family, plen;
    uint8_t addr[16];        /* masked to plen */
    int8_t score[IPREP_MAX_CATEGORIES];  /* -1: not set for this category */
} IprepEntry;

struct IprepStore {
    char *names[IPREP_MAX_CATEGORIES];
    IprepEntry *entries;
    size_t count, cap;
    bool sorted;
};

IprepStore *iprep_store_new(void)
{
    return calloc(1, sizeof(IprepStore));
}

void iprep_store_free(IprepStore *s)
{
    if (!s)
        return;
    for (int i = 0; i < IPREP_MAX_CATEGORIES; i++)
        free(s->names[i]);
    free(s->entries);
    free(s);
}

int iprep_category(const IprepStore *s, const char *name)
{
    for (int i = 0; s && i < IPREP_MAX_CATEGORIES; i++)
        if (s->names[i] && strcmp(s->names[i], name) == 0)
            return i;
    return -1;
}

static int parse_number(const char *text, long lo, long hi)
{
    char *end;
    long v = strtol(text, &end, 10);
    return *text && !*end && v >= lo && v <= hi ? (int)v : -1;
}

typedef int (*LineFn)(IprepStore *s, char *line, char *err, size_t errlen);

/* Runs fn on each line that is not blank or a comment; returns the lines in error. */
static int read_lines(IprepStore *s, FILE *f, const char *name, LineFn fn)
{
    char line[4096], err[256];
    int lineno = 0, errors = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        if (fn(s, line, err, sizeof(err)) != 0) {
            log_warning("%s:%d: %s", name, lineno, err);
            errors++;
        }
    }
    return errors;
}

static int category_line(IprepStore *s, char *line, char *err, size_t errlen)
{
    char *fields[3];
    int id = -1;
    if (text_split_commas(line, fields, 3) != 3 ||
        (id = parse_number(fields[0], 0, IPREP_MAX_CATEGORIES - 1)) < 0 || !*fields[1]) {
        snprintf(err, errlen, "expected <id 0-%d>,<short name>,<description>",
                 IPREP_MAX_CATEGORIES - 1);
        return -1;
    }
    free(s->names[id]);
    s->names[id] = strdup(fields[1]);
    return s->names[id] ? 0 : -1;
}

int iprep_read_categories(IprepStore *s, FILE *f, const char *name)
{
    return read_lines(s, f, name, category_line);
}

static int parse_block(const char *text, IprepEntry *e)
{
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n >= sizeof(addr))
        return -1;
    memcpy(addr, text, n);
    addr[n] = '\0';
    memset(e, 0, sizeof(*e));
    if (inet_pton(AF_INET, addr, e->addr) == 1)
        e->family = AF_INET;
    else if (inet_pton(AF_INET6, addr, e->addr) == 1)
        e->family = AF_INET6;
    else
        return -1;
    int max = e->family == AF_INET ? 32 : 128;
    int plen = slash ? parse_number(slash + 1, 0, max) : max;
    if (plen < 0)
        return -1;
    e->plen = (uint8_t)plen;
    for (int bit = plen; bit < 128; bit++)
        e->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
    return 0;
}

static IprepEntry *find_exact(IprepStore *s, const IprepEntry *key)
{
    for (size_t i = 0; i < s->count; i++) {
        IprepEntry *e = &s->entries[i];
        if (e->family == key->family && e->plen == key->plen &&
            memcmp(e->addr, key->addr, 16) == 0)
            return e;
    }
    return NULL;
}

static int reputation_line(IprepStore *s, char *line, char *err, size_t errlen)
{
    char *fields[3];
    IprepEntry key;
    int cat = -1, score = -1;
    if (text_split_commas(line, fields, 3) != 3 || parse_block(fields[0], &key) != 0 ||
        (cat = parse_number(fields[1], 0, IPREP_MAX_CATEGORIES - 1)) < 0 ||
        (score = parse_number(fields[2], 0, 127)) < 0) {
        snprintf(err, errlen, "expected <address[/prefix]>,<category id>,<score 0-127>");
        return -1;
    }
    if (!s->names[cat]) {
        snprintf(err, errlen, "category %d is not in the categories file", cat);
        return -1;
    }
    /* Files are short enough that a linear search for duplicates costs little at load;
     * the finished store is sorted for lookups. */
    IprepEntry *e = s->sorted ? NULL : find_exact(s, &key);
    if (!e) {
        IprepEntry *grown = array_reserve(s->entries, sizeof(*grown), s->count + 1, &s->cap);
        if (!grown)
            return -1;
        s->entries = grown;
        e = &s->entries[s->count++];
        *e = key;
        memset(e->score, -1, sizeof(e->score));
        s->sorted = false;
    }
    e->score[cat] = (int8_t)score;
    return 0;
}

int iprep_read_reputation(IprepStore *s, FILE *f, const char *name)
{
    return read_lines(s, f, name, reputation_line);
}

static int cmp_entry(const void *x, const void *y)
{
    const IprepEntry *a = x, *b = y;
    if (a->family != b->family)
        return a->family - b->family;
    if (a->plen != b->plen)
        return b->plen - a->plen;
    return memcmp(a->addr, b->addr, 16);
}

int iprep_store_finish(IprepStore *s)
{
    if (s->count > 1)
        qsort(s->entries, s->count, sizeof(IprepEntry), cmp_entry);
    s->sorted = true;
    return 0;
}

static int read_file(IprepStore *s, const char *path, bool categories)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        log_warning("reputation file %s: cannot open", path);
        return -1;
    }
    int errors = categories ? iprep_read_categories(s, f, path) : iprep_read_reputation(s, f, path);
    fclose(f);
    return errors;
}

int iprep_store_load(IprepStore *s, const ConfNode *conf)
{
    const char *cats = conf ? conf_get(conf, "reputation-categories-file") : NULL;
    if (!cats)
        return 0;
    int errors = read_file(s, cats, true);
    if (errors < 0)
        return -1;
    const ConfNode *files = conf_node(conf, "reputation-files");
    const char *dir = conf_get_str(conf, "default-reputation-path", ".");
    for (size_t i = 0; files && i < conf_node_count(files); i++) {
        const char *name = conf_node_value(conf_node_child(files, i));
        if (!name)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), name[0] == '/' ? "%s%s" : "%s/%s",
                 name[0] == '/' ? "" : dir, name);
        int n = read_file(s, path, false);
        if (n < 0)
            return -1;
        errors += n;
    }
    iprep_store_finish(s);
    return errors;
}

/* Binary search for the entry of addr masked to plen. */
static const IprepEntry *search(const IprepStore *s, size_t lo, size_t hi, const IprepEntry *key)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_entry(&s->entries[mid], key);
        if (c == 0)
            return &s->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int iprep_lookup(const IprepStore *s, const Address *addr, int cat)
{
    if (!s || !s->sorted || cat < 0 || cat >= IPREP_MAX_CATEGORIES)
        return -1;
    /* Entries of the family, longest prefixes first: try each prefix length present. */
    for (size_t i = 0; i < s->count;) {
        const IprepEntry *first = &s->entries[i];
        size_t end = i;
        while (end < s->count && s->entries[end].family == first->family &&
               s->entries[end].plen == first->plen)
            end++;
        if (first->family == addr->family) {
            IprepEntry key = {.family = addr->family, .plen = first->plen};
            memcpy(key.addr, addr->addr, 16);
            for (int bit = key.plen; bit < 128; bit++)
                key.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
            const IprepEntry *e = search(s, i, end, &key);
            if (e)
                return e->score[cat] < 0 ? 0 : e->score[cat];
        }
        i = end;
    }
    return -1;
}
