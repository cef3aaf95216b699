/*
 * intel-match.c - intel matching and alerts (see intel-match.h).
 */
#include "intel/intel-match.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "applayer/app-layer-dns.h"
#include "output/output-alert.h"

#define INTEL_FLOW_MAX_ALERTED 16

typedef struct IntelFlowState {
    uint32_t alerted[INTEL_FLOW_MAX_ALERTED];
    uint8_t count;
} IntelFlowState;

/* Detection buffer ids, resolved once: name lookups per transaction would cost more than
 * the matching itself. */
typedef struct IntelBufferIds {
    int dns_query, http_host, http_uri_raw, tls_sni, ja3, ja4, cert_fingerprint;
} IntelBufferIds;

struct IntelThread {
    const IntelStore *store;
    CounterSet *counters;
    EveWriter *eve;
    IntelBufferIds ids;
};

static CounterId hits_counter;

void intel_register_counters(void)
{
    hits_counter = counters_register("detect.alert");
}

IntelThread *intel_thread_new(const IntelStore *store, CounterSet *counters, EveWriter *eve)
{
    IntelThread *it = calloc(1, sizeof(*it));
    if (!it)
        return NULL;
    *it = (IntelThread){store, counters, eve,
                        {applayer_buffer_id("dns.query"), applayer_buffer_id("http.host"),
                         applayer_buffer_id("http.uri.raw"), applayer_buffer_id("tls.sni"),
                         applayer_buffer_id("ja3.hash"), applayer_buffer_id("ja4.hash"),
                         applayer_buffer_id("tls.cert_fingerprint")}};
    return it;
}

void intel_thread_free(IntelThread *it)
{
    free(it);
}

void intel_thread_set_store(IntelThread *it, const IntelStore *store)
{
    it->store = store;
}

const IntelStore *intel_thread_store(const IntelThread *it)
{
    return it->store;
}

/* True the first time this indicator hits this flow. */
static bool first_hit(Flow *f, uint32_t index)
{
    if (!f)
        return true;
    IntelFlowState *st = f->intel;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return true;
        f->intel = st;
    }
    for (int i = 0; i < st->count; i++)
        if (st->alerted[i] == index)
            return false;
    if (st->count < INTEL_FLOW_MAX_ALERTED)
        st->alerted[st->count++] = index;
    return true;
}

void intel_flow_end(Flow *f)
{
    free(f->intel);
    f->intel = NULL;
}

static json_t *indicator_metadata(const IntelStore *s, const IntelIndicator *ind)
{
    json_t *md = NULL;
    const IntelActor *actor = intel_actor(intel_store_actors(s), ind->actor);
    if (actor) {
        md = alert_metadata_add(md, "actor", actor->name);
        if (actor->mitre_group_id)
            md = alert_metadata_add(md, "mitre_group_id", actor->mitre_group_id);
    }
    const char *techniques = intel_store_string(s, ind->techniques);
    if (techniques) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s", techniques);
        char *save = NULL;
        for (char *t = strtok_r(buf, "; ,", &save); t; t = strtok_r(NULL, "; ,", &save))
            md = alert_metadata_add(md, "mitre_technique_id", t);
    }
    const char *source = intel_store_string(s, ind->source);
    if (source)
        md = alert_metadata_add(md, "intel_source", source);
    char indicator[4200];
    snprintf(indicator, sizeof(indicator), "%s:%s", intel_type_name((IntelType)ind->type),
             intel_store_string(s, ind->value));
    md = alert_metadata_add(md, "intel_indicator", indicator);
    if (ind->confidence) {
        char conf[8];
        snprintf(conf, sizeof(conf), "%u", ind->confidence);
        md = alert_metadata_add(md, "confidence", conf);
    }
    return md;
}

static void raise(IntelThread *it, Flow *f, const Packet *p, int64_t index)
{
    if (index < 0 || !first_hit(f, (uint32_t)index))
        return;
    const IntelStore *s = it->store;
    const IntelIndicator *ind = intel_store_get(s, (uint32_t)index);
    const IntelActor *actor = intel_actor(intel_store_actors(s), ind->actor);
    char signature[4400];
    snprintf(signature, sizeof(signature), "BONGSU INTEL %s %s %s",
             actor ? actor->name : "unattributed", intel_type_name((IntelType)ind->type),
             intel_store_string(s, ind->value));
    json_t *md = indicator_metadata(s, ind);
    AlertInfo a = {.gid = 9, .sid = (uint32_t)ind->type + 1, .rev = 1, .signature = signature,
                   .category = "Threat intelligence", .severity = actor ? 1 : 2,
                   .metadata = md};
    if (f)
        f->alerted = true;
    counter_incr(it->counters, hits_counter);
    if (it->eve)
        output_alert(it->eve, p, f, &a);
    json_decref(md);
}

void intel_match_flow_start(IntelThread *it, Flow *f, const Packet *p)
{
    if (!it->store || !intel_store_count(it->store) || !p->ip_version)
        return;
    raise(it, f, p, intel_lookup_ip(it->store, &p->src));
    raise(it, f, p, intel_lookup_ip(it->store, &p->dst));
}

static bool get_buffer(int id, void *state, void *tx, const uint8_t **data, uint32_t *len)
{
    return id >= 0 &&
           applayer_buffer_get(id, state, tx, applayer_buffer_is_to_server(id), data, len) &&
           *data && *len;
}

static void match_domain_buffer(IntelThread *it, Flow *f, const Packet *p, int buffer,
                                void *state, void *tx)
{
    const uint8_t *data;
    uint32_t len;
    if (get_buffer(buffer, state, tx, &data, &len))
        raise(it, f, p, intel_lookup_domain(it->store, (const char *)data, len));
}

static void match_value_buffer(IntelThread *it, Flow *f, const Packet *p, int buffer,
                               IntelType type, void *state, void *tx)
{
    const uint8_t *data;
    uint32_t len;
    if (get_buffer(buffer, state, tx, &data, &len))
        raise(it, f, p, intel_lookup_value(it->store, type, (const char *)data, len));
}

/* URL indicators are host + path; HTTP gives them as two buffers. */
static void match_url(IntelThread *it, Flow *f, const Packet *p, void *state, void *tx)
{
    const uint8_t *host, *uri;
    uint32_t host_len, uri_len;
    if (!intel_store_count_type(it->store, INTEL_URL) ||
        !get_buffer(it->ids.http_host, state, tx, &host, &host_len) ||
        !get_buffer(it->ids.http_uri_raw, state, tx, &uri, &uri_len))
        return;
    char url[4096];
    if ((size_t)host_len + uri_len >= sizeof(url))
        return;
    memcpy(url, host, host_len);
    memcpy(url + host_len, uri, uri_len);
    raise(it, f, p, intel_lookup_value(it->store, INTEL_URL, url, host_len + uri_len));
}

/* A certificate's SHA-1 fingerprint ("aa:bb:...") against sha1 indicators: feeds give
 * certificate fingerprints as plain SHA-1 hashes. */
static void match_cert_fingerprint(IntelThread *it, Flow *f, const Packet *p, void *state,
                                   void *tx)
{
    int id = it->ids.cert_fingerprint;
    if (id < 0 || !intel_store_count_type(it->store, INTEL_SHA1))
        return;
    for (int side = 0; side < 2; side++) { /* the server's certificate, and a client's */
        const uint8_t *data = NULL;
        uint32_t len = 0;
        if (!applayer_buffer_get(id, state, tx, side == 1, &data, &len) || !data)
            continue;
        char hex[41];
        size_t n = 0;
        for (uint32_t i = 0; i < len && n < sizeof(hex) - 1; i++)
            if (data[i] != ':')
                hex[n++] = (char)data[i];
        if (n == 40)
            raise(it, f, p, intel_lookup_value(it->store, INTEL_SHA1, hex, n));
    }
}

/* A DNS response's answers: owner and target names, and A/AAAA addresses. */
static void match_dns_answers(IntelThread *it, Flow *f, const Packet *p, const DnsTx *tx)
{
    const DnsMessage *m = &tx->msg;
    for (uint32_t i = 0; !tx->is_request && i < m->answer_count; i++) {
        const DnsRecord *r = &m->records[i];
        const DnsName *names[] = {&r->name, &r->target};
        for (size_t n = 0; n < 2; n++)
            if (names[n]->bytes.len)
                raise(it, f, p, intel_lookup_domain(it->store,
                                                    (const char *)dns_bytes(m, names[n]->bytes),
                                                    names[n]->bytes.len));
        if (r->kind == DNS_RDATA_ADDR && (r->data.len == 4 || r->data.len == 16)) {
            Address addr = {.family = r->data.len == 4 ? AF_INET : AF_INET6};
            memcpy(addr.addr, dns_bytes(m, r->data), r->data.len);
            raise(it, f, p, intel_lookup_ip(it->store, &addr));
        }
    }
}

void intel_match_tx(IntelThread *it, Flow *f, const Packet *p, AppProto proto, void *state,
                    void *tx)
{
    if (!it->store || !intel_store_count(it->store))
        return;
    switch (proto) {
    case ALPROTO_DNS:
        match_domain_buffer(it, f, p, it->ids.dns_query, state, tx);
        match_dns_answers(it, f, p, tx);
        break;
    case ALPROTO_HTTP:
        match_domain_buffer(it, f, p, it->ids.http_host, state, tx);
        match_url(it, f, p, state, tx);
        break;
    case ALPROTO_TLS:
        match_domain_buffer(it, f, p, it->ids.tls_sni, state, tx);
        match_value_buffer(it, f, p, it->ids.ja3, INTEL_JA3, state, tx);
        match_value_buffer(it, f, p, it->ids.ja4, INTEL_JA4, state, tx);
        match_cert_fingerprint(it, f, p, state, tx);
        break;
    default:
        break;
    }
}

void intel_match_file(IntelThread *it, Flow *f, IntelType hash_type, const char *hex_digest)
{
    if (it->store && hex_digest)
        raise(it, f, NULL, intel_lookup_value(it->store, hash_type, hex_digest, strlen(hex_digest)));
}

/* Metadata keys whose values name the actor behind a rule. */
static const char *const actor_keys[] = {"threat_actor", "actor", "malware_family",
                                         "attribution", "tag", "former_category"};

void intel_attribute_metadata(const IntelActors *kb, json_t **metadata, const char *msg)
{
    if (!kb)
        return;
    int actor = -1;
    for (size_t k = 0; actor < 0 && *metadata && k < sizeof(actor_keys) / sizeof(actor_keys[0]); k++) {
        size_t i;
        json_t *value;
        json_array_foreach(json_object_get(*metadata, actor_keys[k]), i, value) {
            const char *text = json_string_value(value);
            actor = intel_actors_resolve(kb, text);
            if (actor < 0)
                actor = intel_actors_find_in_text(kb, text);
            if (actor >= 0)
                break;
        }
    }
    if (actor < 0)
        actor = intel_actors_find_in_text(kb, msg);
    const IntelActor *a = intel_actor(kb, actor);
    if (!a)
        return;
    *metadata = alert_metadata_add(*metadata, "actor", a->name);
    if (a->mitre_group_id)
        *metadata = alert_metadata_add(*metadata, "mitre_group_id", a->mitre_group_id);
}
