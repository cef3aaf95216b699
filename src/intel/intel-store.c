/*
 * intel-store.c - the indicator store: normalisation, interning, hash tables, lookups.
 *
 * See intel.h for the layout. Each lookup key is the normalised value's bytes: lower-case
 * text for names, URLs, hashes and fingerprints; the masked address bytes for IPs and CIDR
 * blocks, in one table per address family and prefix length. Tables are open-addressed with
 * linear probing, kept at most half full, and store indicator indexes.
 */
#include "intel/intel.h"

#include "common/array.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A slot holds the key's hash (high 32 bits) and the indicator index + 1 (low 32 bits; 0 =
 * empty). Keeping the hash in the slot means a probe touches the indicator and its key only
 * when the hashes agree, and growing never touches them at all: at a million indicators the
 * table is dominated by cache misses otherwise. */
typedef struct IntelTable {
    uint64_t *slots;
    uint32_t capacity;   /* power of two */
    uint32_t used;
} IntelTable;

struct IntelStore {
    const IntelActors *kb;
    char *arena;
    size_t arena_len, arena_cap;
    IntelIndicator *indicators;
    uint32_t count;
    size_t capacity;
    uint32_t per_type[INTEL_TYPE_COUNT];
    IntelTable by_type[INTEL_TYPE_COUNT];   /* non-IP types */
    IntelTable v4[33], v6[129];             /* IPs and CIDR by prefix length */
    IntelTable interned;                     /* arena strings for source/reference/techniques */
};

static const char *const type_names[INTEL_TYPE_COUNT] = {
    [INTEL_IPV4] = "ipv4", [INTEL_IPV6] = "ipv6", [INTEL_CIDR] = "cidr",
    [INTEL_DOMAIN] = "domain", [INTEL_URL] = "url", [INTEL_MD5] = "md5",
    [INTEL_SHA1] = "sha1", [INTEL_SHA256] = "sha256", [INTEL_JA3] = "ja3",
    [INTEL_JA4] = "ja4", [INTEL_EMAIL] = "email",
};

const char *intel_type_name(IntelType type)
{
    return (unsigned)type < INTEL_TYPE_COUNT ? type_names[type] : "unknown";
}

int intel_type_by_name(const char *name)
{
    for (int i = 0; i < INTEL_TYPE_COUNT; i++)
        if (strcasecmp(type_names[i], name) == 0)
            return i;
    return -1;
}

IntelStore *intel_store_new(const IntelActors *kb)
{
    IntelStore *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kb = kb;
    s->arena_len = 1; /* offset 0 means "none" */
    return s;
}

static void table_free(IntelTable *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

void intel_store_free(IntelStore *s)
{
    if (!s)
        return;
    for (int i = 0; i < INTEL_TYPE_COUNT; i++)
        table_free(&s->by_type[i]);
    for (int i = 0; i < 33; i++)
        table_free(&s->v4[i]);
    for (int i = 0; i < 129; i++)
        table_free(&s->v6[i]);
    table_free(&s->interned);
    free(s->indicators);
    free(s->arena);
    free(s);
}

static uint32_t hash_bytes(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    /* FNV's low bits are weak for keys that differ only at the end (sequential IPs, numbered
     * names); a finaliser spreads them before masking. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint32_t arena_add(IntelStore *s, const void *data, size_t len)
{
    char *grown = array_reserve(s->arena, 1, s->arena_len + len + 1, &s->arena_cap);
    if (!grown)
        return 0;
    s->arena = grown;
    uint32_t off = (uint32_t)s->arena_len;
    memcpy(s->arena + off, data, len);
    s->arena[off + len] = '\0';
    s->arena_len += len + 1;
    return off;
}

/* Key bytes of slot entry `index` for the given table kind. */
static const char *key_of(const IntelStore *s, uint32_t index, size_t *len)
{
    const IntelIndicator *ind = &s->indicators[index];
    *len = ind->key_len;
    return s->arena + ind->key;
}

static int table_grow(IntelTable *t);

static int64_t table_find(const IntelStore *s, const IntelTable *t, const void *key, size_t len)
{
    if (!t->capacity)
        return -1;
    uint32_t hash = hash_bytes(key, len);
    uint32_t mask = t->capacity - 1;
    for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
        uint64_t slot = t->slots[i];
        if (!slot)
            return -1;
        if ((uint32_t)(slot >> 32) != hash)
            continue;
        uint32_t index = (uint32_t)slot - 1;
        size_t klen;
        const char *k = key_of(s, index, &klen);
        if (klen == len && memcmp(k, key, len) == 0)
            return index;
    }
}

static void table_put(IntelTable *t, uint32_t hash, uint32_t index)
{
    uint32_t mask = t->capacity - 1;
    uint32_t i = hash & mask;
    while (t->slots[i])
        i = (i + 1) & mask;
    t->slots[i] = (uint64_t)hash << 32 | (index + 1);
    t->used++;
}

static int table_insert(IntelStore *s, IntelTable *t, uint32_t index)
{
    if ((t->used + 1) * 2 > t->capacity && table_grow(t) != 0)
        return -1;
    size_t len;
    const char *key = key_of(s, index, &len);
    table_put(t, hash_bytes(key, len), index);
    return 0;
}

static int table_grow(IntelTable *t)
{
    IntelTable bigger = {.capacity = t->capacity ? t->capacity * 2 : 64};
    bigger.slots = calloc(bigger.capacity, sizeof(uint64_t));
    if (!bigger.slots)
        return -1;
    for (uint32_t i = 0; i < t->capacity; i++)
        if (t->slots[i])
            table_put(&bigger, (uint32_t)(t->slots[i] >> 32), (uint32_t)t->slots[i] - 1);
    free(t->slots);
    *t = bigger;
    return 0;
}

/* ---- interning of repeated strings (source, reference, techniques) ---- */

/* The interned table stores arena offsets in the low 32 bits (the same slot layout). */
static uint32_t intern(IntelStore *s, const char *text)
{
    if (!text || !*text)
        return 0;
    size_t len = strlen(text);
    uint32_t hash = hash_bytes(text, len);
    IntelTable *t = &s->interned;
    for (uint32_t mask = t->capacity - 1, i = hash & mask; t->capacity; i = (i + 1) & mask) {
        uint64_t slot = t->slots[i];
        if (!slot)
            break;
        uint32_t off = (uint32_t)slot - 1;
        if ((uint32_t)(slot >> 32) == hash && strcmp(s->arena + off, text) == 0)
            return off;
    }
    uint32_t off = arena_add(s, text, len);
    if (!off || ((t->used + 1) * 2 > t->capacity && table_grow(t) != 0))
        return 0;
    table_put(t, hash, off);
    return off;
}

/* ---- normalisation ---- */

static void trim_copy(char *out, size_t outlen, const char *in)
{
    while (isspace((unsigned char)*in))
        in++;
    snprintf(out, outlen, "%s", in);
    size_t n = strlen(out);
    while (n && isspace((unsigned char)out[n - 1]))
        out[--n] = '\0';
}

static void lowercase(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static bool is_hex(const char *s, size_t want)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]))
            return false;
    return n == want;
}

static int normalise_domain(char *v, char *err, size_t errlen)
{
    lowercase(v);
    if (strncmp(v, "*.", 2) == 0)
        memmove(v, v + 2, strlen(v + 2) + 1);
    size_t n = strlen(v);
    while (n && v[n - 1] == '.')
        v[--n] = '\0';
    if (!n || n > 253) {
        snprintf(err, errlen, "empty or too long domain");
        return -1;
    }
    for (char *c = v; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '_') {
            snprintf(err, errlen, "invalid character '%c' in domain", *c);
            return -1;
        }
    }
    return 0;
}

/* URLs are matched as host + path (what HTTP shows): scheme dropped, host lower-cased, an
 * empty path becomes "/". */
static int normalise_url(char *v, char *err, size_t errlen)
{
    char *start = strstr(v, "://");
    start = start ? start + 3 : v;
    memmove(v, start, strlen(start) + 1);
    char *slash = strchr(v, '/');
    size_t host_len = slash ? (size_t)(slash - v) : strlen(v);
    if (host_len == 0) {
        snprintf(err, errlen, "URL without host");
        return -1;
    }
    for (size_t i = 0; i < host_len; i++)
        v[i] = (char)tolower((unsigned char)v[i]);
    if (!slash && strlen(v) + 1 < 4096)
        strcat(v, "/");
    return 0;
}

static int normalise_text(IntelType type, char *v, char *err, size_t errlen)
{
    static const size_t hex_len[INTEL_TYPE_COUNT] = {
        [INTEL_MD5] = 32, [INTEL_SHA1] = 40, [INTEL_SHA256] = 64, [INTEL_JA3] = 32};
    switch (type) {
    case INTEL_DOMAIN:
        return normalise_domain(v, err, errlen);
    case INTEL_URL:
        return normalise_url(v, err, errlen);
    case INTEL_MD5:
    case INTEL_SHA1:
    case INTEL_SHA256:
    case INTEL_JA3:
        lowercase(v);
        if (!is_hex(v, hex_len[type])) {
            snprintf(err, errlen, "%s must be %zu hex digits", intel_type_name(type),
                     hex_len[type]);
            return -1;
        }
        return 0;
    case INTEL_EMAIL:
        lowercase(v);
        if (!strchr(v, '@')) {
            snprintf(err, errlen, "email without @");
            return -1;
        }
        return 0;
    default:
        lowercase(v);
        return *v ? 0 : -1;
    }
}

/* IPs and CIDR blocks: the masked address bytes and the prefix length. */
static int parse_ip_key(IntelType type, const char *v, uint8_t key[16], uint8_t *family,
                        uint8_t *prefix, char *err, size_t errlen)
{
    char addr[128];
    snprintf(addr, sizeof(addr), "%s", v);
    char *slash = strchr(addr, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1)
            bits = -2;
    }
    memset(key, 0, 16);
    if (inet_pton(AF_INET, addr, key) == 1)
        *family = AF_INET;
    else if (inet_pton(AF_INET6, addr, key) == 1)
        *family = AF_INET6;
    else {
        snprintf(err, errlen, "invalid IP address \"%s\"", v);
        return -1;
    }
    int max = *family == AF_INET ? 32 : 128;
    if ((type == INTEL_IPV4 && *family != AF_INET) || (type == INTEL_IPV6 && *family != AF_INET6)) {
        snprintf(err, errlen, "\"%s\" is not an %s address", v, intel_type_name(type));
        return -1;
    }
    if (bits == -1)
        bits = max;
    if (bits < 0 || bits > max || (type != INTEL_CIDR && bits != max)) {
        snprintf(err, errlen, "invalid prefix length in \"%s\"", v);
        return -1;
    }
    *prefix = (uint8_t)bits;
    for (int b = (int)bits; b < max; b++)
        key[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
    return 0;
}

static IntelTable *table_for(IntelStore *s, const IntelIndicator *ind)
{
    if (ind->family == AF_INET)
        return &s->v4[ind->prefix_len];
    if (ind->family == AF_INET6)
        return &s->v6[ind->prefix_len];
    return &s->by_type[ind->type];
}

static bool is_ip_type(IntelType type)
{
    return type == INTEL_IPV4 || type == INTEL_IPV6 || type == INTEL_CIDR;
}

/* Fills ind's value and key from the record's value. */
static int make_key(IntelStore *s, const IntelRecord *rec, IntelIndicator *ind, char *err,
                    size_t errlen)
{
    char value[4096];
    trim_copy(value, sizeof(value), rec->value ? rec->value : "");
    if (!*value) {
        snprintf(err, errlen, "empty value");
        return -1;
    }
    if (is_ip_type(rec->type)) {
        uint8_t key[16];
        if (parse_ip_key(rec->type, value, key, &ind->family, &ind->prefix_len, err, errlen) != 0)
            return -1;
        ind->key_len = ind->family == AF_INET ? 4 : 16;
        ind->key = arena_add(s, key, ind->key_len);
        ind->value = arena_add(s, value, strlen(value));
        return ind->key && ind->value ? 0 : -1;
    }
    if (normalise_text(rec->type, value, err, errlen) != 0)
        return -1;
    ind->key_len = (uint16_t)strlen(value);
    ind->key = ind->value = arena_add(s, value, ind->key_len);
    return ind->key ? 0 : -1;
}

static int grow_indicators(IntelStore *s)
{
    IntelIndicator *grown = array_reserve(s->indicators, sizeof(*grown), (size_t)s->count + 1,
                                          &s->capacity);
    if (!grown)
        return -1;
    s->indicators = grown;
    return 0;
}

int intel_store_add(IntelStore *s, const IntelRecord *rec, char *err, size_t errlen)
{
    if ((unsigned)rec->type >= INTEL_TYPE_COUNT || grow_indicators(s) != 0) {
        snprintf(err, errlen, "unknown indicator type");
        return -1;
    }
    size_t arena_mark = s->arena_len;
    IntelIndicator ind = {.type = (uint8_t)rec->type, .actor = -1};
    if (make_key(s, rec, &ind, err, errlen) != 0) {
        s->arena_len = arena_mark;
        return -1;
    }
    int actor = intel_actors_resolve(s->kb, rec->actor);
    IntelTable *t = table_for(s, &ind);
    s->indicators[s->count] = ind; /* temporarily visible for the key comparison */
    int64_t existing = table_find(s, t, s->arena + ind.key, ind.key_len);
    if (existing >= 0) {
        s->arena_len = arena_mark;
        if (s->indicators[existing].actor < 0 && actor >= 0)
            s->indicators[existing].actor = (int16_t)actor;
        return 1;
    }
    IntelIndicator *slot = &s->indicators[s->count];
    slot->actor = (int16_t)actor;
    slot->confidence = rec->confidence >= 0 && rec->confidence <= 100 ? (uint8_t)rec->confidence : 0;
    slot->source = intern(s, rec->source);
    slot->reference = intern(s, rec->reference);
    slot->techniques = intern(s, rec->techniques);
    if (table_insert(s, t, s->count) != 0)
        return -1;
    s->per_type[rec->type]++;
    s->count++;
    return 0;
}

uint32_t intel_store_count(const IntelStore *s)
{
    return s ? s->count : 0;
}

uint32_t intel_store_count_type(const IntelStore *s, IntelType type)
{
    return s && (unsigned)type < INTEL_TYPE_COUNT ? s->per_type[type] : 0;
}

size_t intel_store_memory(const IntelStore *s)
{
    size_t total = s->arena_cap + s->capacity * sizeof(IntelIndicator) +
                   (size_t)s->interned.capacity * sizeof(uint64_t);
    for (int i = 0; i < INTEL_TYPE_COUNT; i++)
        total += (size_t)s->by_type[i].capacity * sizeof(uint64_t);
    for (int i = 0; i < 33; i++)
        total += (size_t)s->v4[i].capacity * sizeof(uint64_t);
    for (int i = 0; i < 129; i++)
        total += (size_t)s->v6[i].capacity * sizeof(uint64_t);
    return total;
}

const IntelIndicator *intel_store_get(const IntelStore *s, uint32_t index)
{
    return index < s->count ? &s->indicators[index] : NULL;
}

const char *intel_store_string(const IntelStore *s, uint32_t offset)
{
    return offset ? s->arena + offset : NULL;
}

const IntelActors *intel_store_actors(const IntelStore *s)
{
    return s->kb;
}

/* ---- lookups ---- */

int64_t intel_lookup_ip(const IntelStore *s, const Address *a)
{
    bool v4 = a->family == AF_INET;
    const IntelTable *tables = v4 ? s->v4 : s->v6;
    int max = v4 ? 32 : 128;
    for (int bits = max; bits >= 0; bits--) {
        if (!tables[bits].used)
            continue;
        uint8_t key[16];
        memcpy(key, a->addr, 16);
        for (int b = bits; b < max; b++)
            key[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
        int64_t hit = table_find(s, &tables[bits], key, v4 ? 4 : 16);
        if (hit >= 0)
            return hit;
    }
    return -1;
}

int64_t intel_lookup_value(const IntelStore *s, IntelType type, const char *value, size_t len)
{
    char buf[4096];
    if (len >= sizeof(buf) || (unsigned)type >= INTEL_TYPE_COUNT)
        return -1;
    /* Same folding as at load: everything lower-case, except a URL's path. */
    const char *path = type == INTEL_URL ? memchr(value, '/', len) : NULL;
    size_t fold_len = path ? (size_t)(path - value) : len;
    for (size_t i = 0; i < len; i++)
        buf[i] = i < fold_len ? (char)tolower((unsigned char)value[i]) : value[i];
    buf[len] = '\0';
    return table_find(s, &s->by_type[type], buf, len);
}

/* The name itself, then each parent domain: a.b.evil.com, b.evil.com, evil.com, com. */
int64_t intel_lookup_domain(const IntelStore *s, const char *name, size_t len)
{
    if (!s->by_type[INTEL_DOMAIN].used)
        return -1;
    while (len && name[len - 1] == '.')
        len--;
    for (size_t start = 0; start < len;) {
        int64_t hit = intel_lookup_value(s, INTEL_DOMAIN, name + start, len - start);
        if (hit >= 0)
            return hit;
        const char *dot = memchr(name + start, '.', len - start);
        if (!dot)
            break;
        start = (size_t)(dot - name) + 1;
    }
    return -1;
}
