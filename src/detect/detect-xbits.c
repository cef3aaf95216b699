/*
 * detect-xbits.c - xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|
 * ip_pair>[,expire <seconds>]; and xbits:noalert.
 *
 * Unlike flowbits, an xbit belongs to a host (the packet's source or destination) or to an
 * address pair (either direction), so a rule can see what another flow set: a request to a
 * server sets "track ip_dst", the server's later answer checks "track ip_src". set, unset and
 * toggle are actions after the rest of the rule matched; isset/isnotset are conditions. A bit
 * lasts `expire` seconds of packet time after it was last set (30 by default, as Suricata).
 *
 * The bits live in one BoundedTable (detect-bounded-table.c) shared by all workers under a
 * mutex, as Suricata's host and ippair tables are shared; it is bounded by host.memcap. A set
 * that finds no room is counted and the bit stays unset.
 */
#include "detect/detect-xbits.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textutil.h"
#include "detect/detect-bounded-table.h"
#include "detect/detect-engine.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-keywords.h"

#define XBITS_EXPIRE_DEFAULT 30

typedef struct XbitKey {
    int32_t id;
    uint32_t pair;
    Address a, b;
} XbitKey;

struct XbitsStore {
    pthread_mutex_t lock;
    BoundedTable *table;     /* XbitKey -> (presence), stale at expiry, in microseconds */
};

XbitsStore *xbits_store_new(uint64_t memcap, uint32_t hash_size)
{
    XbitsStore *s = calloc(1, sizeof(*s));
    if (!s || !(s->table = bounded_table_new(sizeof(XbitKey), 1, memcap, hash_size))) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void xbits_store_free(XbitsStore *s)
{
    if (!s)
        return;
    bounded_table_free(s->table);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint64_t xbits_store_memcap_drops(const XbitsStore *s)
{
    return s ? bounded_table_memcap_drops(s->table) : 0;
}

/* "cmd", "name", "track X" and "expire N" from the option text. */
static int parse_parts(char *text, char *parts[4])
{
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(text, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (n == 4)
            return -1;
        parts[n++] = text_trim(p);
    }
    return n;
}

static int lookup_word(const char *word, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(word, names[i]) == 0)
            return i;
    return -1;
}

static int parse_ctx(char *text, XbitsCtx *ctx, char *err, size_t errlen)
{
    static const char *const cmds[] = {"set", "unset", "toggle", "isset", "isnotset"};
    static const char *const tracks[] = {"ip_src", "ip_dst", "ip_pair"};
    char *parts[4] = {0};
    int n = parse_parts(text, parts);
    char track[16], extra[2];
    int cmd = n >= 3 ? lookup_word(parts[0], cmds, 5) : -1;
    int trk = n >= 3 && sscanf(parts[2], "track %15s %1s", track, extra) == 1
                  ? lookup_word(track, tracks, 3) : -1;
    unsigned long expire = XBITS_EXPIRE_DEFAULT;
    char *end = NULL;
    if (n == 4 && (strncmp(parts[3], "expire", 6) != 0 ||
                   (expire = strtoul(parts[3] + 6, &end, 10)) == 0 || *end || expire > 86400 * 365))
        trk = -1;
    if (cmd < 0 || trk < 0 || !*parts[1] || strpbrk(parts[1], " \t")) {
        snprintf(err, errlen, "expected <set|unset|toggle|isset|isnotset>,<name>,"
                              "track <ip_src|ip_dst|ip_pair>[,expire <seconds>]");
        return -1;
    }
    *ctx = (XbitsCtx){(XbitCmd)cmd, (XbitTrack)trk, flowvar_name_id(parts[1], false),
                      (uint32_t)expire};
    if (ctx->id < 0) {
        snprintf(err, errlen, "too many variable names");
        return -1;
    }
    return 0;
}

static int xbits_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    if (strcmp(buf, "noalert") == 0) {
        sig->flags |= SIG_FLAG_NOALERT;
        return 0;
    }
    XbitsCtx ctx;
    if (parse_ctx(buf, &ctx, err, errlen) != 0)
        return -1;
    return xbits_append(kw, sig, &ctx);
}

int xbits_append(const DetectKeyword *kw, Signature *sig, const XbitsCtx *ctx)
{
    XbitsCtx *copy = malloc(sizeof(*copy));
    if (!copy)
        return -1;
    *copy = *ctx;
    bool action = ctx->cmd <= XB_TOGGLE;
    sig->flags |= action ? SIG_FLAG_FLOWBITS_SET : SIG_FLAG_FLOWBITS_READ;
    if (!sig_append(sig, action ? SIG_LIST_POSTMATCH : SIG_LIST_PACKET, kw, copy)) {
        free(copy);
        return -1;
    }
    return 0;
}

/* The bit's key for this packet (or, for a transaction, its flow in the rule's direction). */
static bool make_key(const DetectMatchCtx *m, const XbitsCtx *ctx, XbitKey *k)
{
    const Address *src, *dst;
    if (!detect_match_endpoints(m, &src, &dst))
        return false;
    memset(k, 0, sizeof(*k));
    k->id = ctx->id;
    k->pair = ctx->track == XB_PAIR;
    if (ctx->track == XB_PAIR) {
        bool swap = memcmp(src, dst, sizeof(*src)) > 0;
        k->a = swap ? *dst : *src;
        k->b = swap ? *src : *dst;
    } else {
        k->a = ctx->track == XB_SRC ? *src : *dst;
    }
    return true;
}

static uint64_t now_usec(const DetectMatchCtx *m)
{
    return m->p ? m->p->ts_usec : m->f ? m->f->last_usec : 0;
}

static void apply_action(BoundedTable *t, const XbitsCtx *ctx, const XbitKey *k, uint64_t now)
{
    bool present = bounded_table_find(t, k, now) != NULL;
    bool set = ctx->cmd == XB_SET || (ctx->cmd == XB_TOGGLE && !present);
    if (!set) {
        bounded_table_remove(t, k);
        return;
    }
    bool created;
    void *v = bounded_table_get(t, k, now, &created);
    if (v)  /* isset while now <= set time + expire */
        bounded_table_set_stale(t, v, now + (uint64_t)ctx->expire * 1000000u + 1);
}

bool xbits_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const XbitsCtx *ctx = ctx_ptr;
    XbitsStore *s = m->dt->de->xbits;
    XbitKey k;
    if (!s || !make_key(m, ctx, &k))
        return ctx->cmd == XB_ISNOTSET;
    uint64_t now = now_usec(m);
    pthread_mutex_lock(&s->lock);
    bool result = true;
    if (ctx->cmd <= XB_TOGGLE)
        apply_action(s->table, ctx, &k, now);
    else
        result = (bounded_table_find(s->table, &k, now) != NULL) == (ctx->cmd == XB_ISSET);
    pthread_mutex_unlock(&s->lock);
    return result;
}

const DetectKeyword detect_xbits_keywords[] = {
    {.name = "xbits", .setup = xbits_setup, .match_packet = xbits_match},
    {.name = NULL},
};
