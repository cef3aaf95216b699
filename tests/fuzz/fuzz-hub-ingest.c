/*
 * fuzz-hub-ingest.c — libFuzzer target for the hub's NDJSON ingest path: the per-line EVE
 * checker (hub_ingest_check_line) and the batch loop around it (hub_ingest_body: line
 * splitting, whitespace trimming, the bounded list of rejected lines, the JSON reply).
 *
 * The input is one request body. It goes through the checker line by line, and through
 * hub_ingest_body with and without an Idempotency-Key. Every accepted line must come
 * out of the checker with the invariants storage relies on (raw starts with '{',
 * event_type non-empty, timestamp parsed), and the reply must be JSON whose counts add
 * up to the non-blank lines.
 *
 * The checker's JSON pass (eve_scan.c) is differential-tested here: jansson, which the
 * hub used before, is the reference. A line jansson loads (with duplicate keys
 * rejected) must be accepted or refused exactly as the reference below decides, with
 * the same extracted fields; a line jansson refuses must be refused as invalid JSON.
 *
 * The code under test comes from bongsu_hub as it ships; storage is replaced by the
 * in-memory stubs below (the linker takes them before the archive's store_sqlite.o,
 * which nothing else here needs), so each input runs fast, without disk I/O, and the
 * stubs can assert what storage is promised about every accepted line.
 */
/* The checks below are the point of this target: keep them in Release builds too. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hub/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- storage stubs: remember only what the invariants need ----------------------- */

struct hub_store {
    size_t events;
    char *idem_reply;
};

hub_status hub_store_begin(hub_store *s)
{
    (void)s;
    return HUB_OK;
}

hub_status hub_store_commit(hub_store *s)
{
    (void)s;
    return HUB_OK;
}

void hub_store_rollback(hub_store *s)
{
    (void)s;
}

hub_status hub_store_event_add(hub_store *s, const char *sensor, int64_t received_us,
                               const hub_event_fields *f)
{
    (void)sensor, (void)received_us;
    assert(f->raw_len >= 2 && f->raw[0] == '{');
    assert(f->event_type && f->event_type[0]);
    s->events++;
    return HUB_OK;
}

hub_status hub_store_idem_get(hub_store *s, const char *scope, const char *key,
                              char **reply_out)
{
    (void)scope, (void)key;
    if (!s->idem_reply)
        return HUB_ERR_NOTFOUND;
    *reply_out = strdup(s->idem_reply);
    return HUB_OK;
}

hub_status hub_store_idem_put(hub_store *s, const char *scope, const char *key,
                              const char *reply)
{
    (void)scope, (void)key;
    free(s->idem_reply);
    s->idem_reply = strdup(reply);
    return HUB_OK;
}

/* ---- the target ------------------------------------------------------------------ */

/* ---- the reference: the jansson-based extraction the hub shipped before eve_scan --- */

typedef struct {
    const char *src_ip, *dest_ip, *signature, *attack, *actor, *event_type;
    int64_t sid;
    int severity;
    char techniques[256], victim[64];
} ref_fields;

static const char *ref_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *ref_meta_first(json_t *meta, const char *key)
{
    json_t *v = json_object_get(meta, key);
    if (json_is_array(v))
        v = json_array_get(v, 0);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static void ref_meta_join(json_t *meta, char *out, size_t len)
{
    json_t *v = json_object_get(meta, "mitre_technique_id"), *item;
    size_t used = 0, i;
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, len, "%s", json_string_value(v));
        return;
    }
    json_array_foreach(v, i, item)
    {
        const char *t = json_string_value(item);
        size_t n = t ? strlen(t) : 0;
        if (n && used + n + 2 <= len)
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", t);
    }
}

static void ref_alert(json_t *alert, ref_fields *r)
{
    json_t *sid = json_object_get(alert, "signature_id");
    json_t *sev = json_object_get(alert, "severity");
    r->sid = json_is_integer(sid) ? json_integer_value(sid) : 0;
    r->severity = json_is_integer(sev) ? (int)json_integer_value(sev) : 0;
    r->signature = ref_str(alert, "signature");
    r->attack = ref_str(alert, "category");
    json_t *meta = json_object_get(alert, "metadata");
    if (json_is_object(meta)) {
        r->actor = ref_meta_first(meta, "actor");
        ref_meta_join(meta, r->techniques, sizeof r->techniques);
    }
    const char *t = ref_str(json_object_get(alert, "target"), "ip");
    if (t)
        snprintf(r->victim, sizeof r->victim, "%s", t);
}

/* The victim heuristic (the inside host) works on the addresses compared below, so only
 * the explicit victims (alert.target.ip, ddos.victim) are part of the reference. */
static void ref_extract(json_t *root, ref_fields *r)
{
    memset(r, 0, sizeof *r);
    r->event_type = ref_str(root, "event_type");
    r->src_ip = ref_str(root, "src_ip");
    r->dest_ip = ref_str(root, "dest_ip");
    json_t *alert = json_object_get(root, "alert");
    if (json_is_object(alert))
        ref_alert(alert, r);
    json_t *ddos = json_object_get(root, "ddos");
    if (json_is_object(ddos)) {
        const char *a = ref_str(ddos, "attack"), *v = ref_str(ddos, "victim");
        r->attack = a ? a : r->attack;
        if (v)
            snprintf(r->victim, sizeof r->victim, "%s", v);
        if (!r->actor)
            r->actor = ref_meta_first(json_object_get(ddos, "metadata"), "actor");
    }
}

static void same(const char *a, const char *b)
{
    assert((!a && !b) || (a && b && strcmp(a, b) == 0));
}

static bool ref_accepts(json_t *root, const ref_fields *r)
{
    const char *ts = ref_str(root, "timestamp");
    int64_t us;
    size_t n = r->event_type ? strlen(r->event_type) : 0;
    if (!json_is_object(root) || !n || n > 64 ||
        strspn(r->event_type, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
        return false;
    return ts && hub_time_parse(ts, &us);
}

static void check_against_jansson(const char *line, size_t n, bool accepted,
                                  const hub_line *l, const char *reason)
{
    /* The one place jansson is not the reference: it skips a NUL byte that follows a
     * number or literal ("443\0,"), and storing such a line would put the NUL in the
     * raw text. eve_scan refuses every raw NUL. */
    if (memchr(line, '\0', n)) {
        assert(!accepted);
        return;
    }
    json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
    if (!root) {
        assert(!accepted && (strstr(reason, "invalid JSON") || strstr(reason, "longer")));
        return;
    }
    ref_fields r;
    ref_extract(root, &r);
    if (accepted != ref_accepts(root, &r)) /* say which line before failing */
        fprintf(stderr, "differs from jansson (%s): %.*s\n", reason, (int)n, line);
    assert(accepted == ref_accepts(root, &r));
    if (accepted) {
        same(l->f.event_type, r.event_type);
        same(l->f.src_ip, r.src_ip);
        same(l->f.dest_ip, r.dest_ip);
        same(l->f.signature, r.signature);
        same(l->f.attack, r.attack);
        same(l->f.actor, r.actor);
        same(l->f.techniques, r.techniques[0] ? r.techniques : NULL);
        assert(l->f.signature_id == r.sid && l->f.severity == r.severity);
        if (r.victim[0])
            same(l->f.victim, r.victim);
    }
    json_decref(root);
}

/* ---- the target ------------------------------------------------------------------ */

static void check_lines(const char *body, size_t size)
{
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(body + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - body) : size;
        hub_line l;
        char reason[160];
        bool ok = hub_ingest_check_line(body + pos, end - pos, &l, reason, sizeof reason);
        if (ok)
            assert(l.f.event_type && l.f.ts_us >= 0 && l.f.raw == body + pos);
        else
            assert(!l.f.event_type && reason[0]);
        check_against_jansson(body + pos, end - pos, ok, &l, reason);
        if (ok)
            hub_line_clear(&l);
        pos = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    check_lines(body, size);
    hub_store s = {0};
    hub_ingest_result res;
    if (hub_ingest_body(&s, "fuzz", NULL, body, size, &res) == HUB_OK) {
        json_t *reply = json_loads(res.reply, 0, NULL);
        assert(reply);
        assert((size_t)json_integer_value(json_object_get(reply, "accepted")) == s.events);
        assert(json_array_size(json_object_get(reply, "errors")) <= HUB_INGEST_MAX_ERRORS);
        json_decref(reply);
        free(res.reply);
        /* The same body again under a key: stored once, replayed the second time. */
        size_t before = s.events;
        hub_ingest_body(&s, "fuzz", "k", body, size, &res);
        free(res.reply);
        hub_ingest_body(&s, "fuzz", "k", body, size, &res);
        assert(res.replayed && s.events == 2 * before);
        free(res.reply);
    }
    free(s.idem_reply);
    return 0;
}
