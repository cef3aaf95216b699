/*
 * detect-geoip.c - geoip:[src|dst|both|any,][!]CC[,CC...]; the country of a packet's IPv4
 * addresses, from the MaxMind (GeoIP2/GeoLite2) database named by `geoip-database`.
 *
 * Suricata 7's semantics: the first item says which address to look up (src, dst, both must
 * match, any: either; without one, any); the rest are ISO country codes, compared with the
 * database's country.iso_code; a "!" before a code negates the whole list (no code may
 * match). Only IPv4 packets are looked up (as Suricata), never pseudo packets; an address
 * the database does not know matches nothing, negated or not.
 *
 * The database is memory-mapped once, on the first geoip rule of a load, and shared by all
 * worker threads (libmaxminddb lookups only read it). A rule whose database cannot be opened
 * fails to load, as in Suricata.
 */
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/textutil.h"
#include "detect/detect-geoip.h"
#include "detect/detect-keywords.h"

#define GEOIP_MAX_COUNTRIES 16

typedef enum GeoSide { GEO_ANY, GEO_SRC, GEO_DST, GEO_BOTH } GeoSide;

typedef struct GeoipCtx {
    GeoSide side;
    bool negated;
    uint32_t count;
    char countries[GEOIP_MAX_COUNTRIES][4];
} GeoipCtx;

static char db_path[4096];
static MMDB_s db;
static bool db_open;

void detect_geoip_configure(const char *path)
{
    if (db_open && (!path || strcmp(path, db_path) != 0)) {
        MMDB_close(&db);
        db_open = false;
    }
    snprintf(db_path, sizeof(db_path), "%s", path ? path : "");
}

static int open_db(char *err, size_t errlen)
{
    if (db_open)
        return 0;
    if (!db_path[0]) {
        snprintf(err, errlen, "no geoip-database in the configuration");
        return -1;
    }
    int rc = MMDB_open(db_path, MMDB_MODE_MMAP, &db);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "cannot open GeoIP2 database %s: %s", db_path, MMDB_strerror(rc));
        return -1;
    }
    db_open = true;
    return 0;
}

static bool parse_side(const char *item, GeoSide *side)
{
    static const struct {
        const char *name;
        GeoSide side;
    } sides[] = {{"src", GEO_SRC}, {"dst", GEO_DST}, {"both", GEO_BOTH}, {"any", GEO_ANY}};
    for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
        if (strcmp(item, sides[i].name) == 0) {
            *side = sides[i].side;
            return true;
        }
    }
    return false;
}

static int add_country(GeoipCtx *ctx, const char *item, char *err, size_t errlen)
{
    if (*item == '!') {
        ctx->negated = true;
        item++;
    }
    size_t n = strlen(item);
    if (!n || n > 3 || ctx->count >= GEOIP_MAX_COUNTRIES) {
        snprintf(err, errlen, "bad or too many country codes (at most %d)", GEOIP_MAX_COUNTRIES);
        return -1;
    }
    memcpy(ctx->countries[ctx->count++], item, n + 1);
    return 0;
}

static int parse(GeoipCtx *ctx, const char *value, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *save = NULL;
    bool first = true;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = text_trim(item);
        bool is_side = first && parse_side(item, &ctx->side);
        first = false;
        if (!is_side && add_country(ctx, item, err, errlen) != 0)
            return -1;
    }
    if (!ctx->count) {
        snprintf(err, errlen, "expected [src|dst|both|any,]country[,country...]");
        return -1;
    }
    return 0;
}

static int geoip_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                       size_t errlen)
{
    GeoipCtx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -1;
    if (parse(ctx, value, err, errlen) != 0 || open_db(err, errlen) != 0) {
        free(ctx);
        return -1;
    }
    return sig_append(sig, SIG_LIST_PACKET, kw, ctx) ? 0 : -1;
}

/* The address's country matches the rule's list (negation applied); unknown: false. */
static bool country_matches(const GeoipCtx *ctx, const Address *a)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    memcpy(&sin.sin_addr, a->addr, 4);
    int mmdb = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db, (struct sockaddr *)&sin, &mmdb);
    if (mmdb != MMDB_SUCCESS || !r.found_entry)
        return false;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL) != MMDB_SUCCESS ||
        !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING)
        return false;
    bool listed = false;
    for (uint32_t i = 0; i < ctx->count && !listed; i++)
        listed = strlen(ctx->countries[i]) == d.data_size &&
                 memcmp(ctx->countries[i], d.utf8_string, d.data_size) == 0;
    return listed != ctx->negated;
}

static bool geoip_match(DetectMatchCtx *m, const void *ctx_ptr)
{
    const GeoipCtx *ctx = ctx_ptr;
    const Packet *p = m->p;
    if (!p || p->stream_pseudo || p->ip_version != 4 || !db_open)
        return false;
    bool src = ctx->side != GEO_DST && country_matches(ctx, &p->src);
    if (src && ctx->side != GEO_BOTH)
        return true;
    bool dst = ctx->side != GEO_SRC && (ctx->side != GEO_BOTH || src) &&
               country_matches(ctx, &p->dst);
    return ctx->side == GEO_BOTH ? src && dst : dst;
}

const DetectKeyword detect_geoip_keywords[] = {
    {.name = "geoip", .setup = geoip_setup, .match_packet = geoip_match},
    {.name = NULL},
};
