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
 * The code under test comes from bongsu_hub as it ships; storage is replaced by the
 * in-memory stubs below (the linker takes them before the archive's store_sqlite.o,
 * which nothing else here needs), so each input runs fast, without disk I/O, and the
 * stubs can assert what storage is promised about every accepted line.
 */
/* The checks below are the point of this target: keep them in Release builds too. */
#undef NDEBUG
#include <assert.h>
#include <stdint.h>
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

static void check_lines(const char *body, size_t size)
{
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(body + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - body) : size;
        hub_line l;
        char reason[160];
        if (hub_ingest_check_line(body + pos, end - pos, &l, reason, sizeof reason)) {
            assert(l.root && l.f.event_type && l.f.ts_us >= 0);
            hub_line_clear(&l);
        } else {
            assert(!l.root && reason[0]);
        }
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
