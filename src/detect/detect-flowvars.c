/*
 * detect-flowvars.c - where flowbits, flowint values, flow variables and packet variables
 * live.
 *
 * Each worker owns every flow it sees, so per-flow rule state is kept by the worker's
 * DetectThread, keyed by the flow's id, and needs no lock. Entries are created on the first
 * write and dropped when the flow is gone (detect_flow_release); a flow that never had a
 * bit set costs nothing. The store is bounded: past FLOWVAR_MAX_FLOWS flows with state, new state is
 * not recorded (reads then see "unset"), so rule state cannot exhaust memory.
 *
 * Names are turned into ids once at load; the id space is shared by all threads.
 *
 * Flow and packet variables are what a pcre captured ("flow:name", "pkt:name",
 * "(?P<flow_name>...)"). As in Suricata, a capture waits until its rule has matched in
 * full (a later keyword may still fail) and is stored only then: a flow variable keeps its
 * first position and takes the newest value, packet variables belong to the packet being
 * inspected. Both are logged in EVE "metadata" (flowvars, pktvars) in the order they
 * were first set, with bytes outside printable ASCII as '.', as Suricata logs them.
 */
#include "detect/detect-flowvars.h"

#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "detect/detect-internal.h"
#include "output/output-alert.h"

#define FLOWVAR_MAX_NAMES 4096
#define FLOWVAR_MAX_FLOWS (1u << 20)

typedef struct FlowInt {
    int id;
    uint64_t value;
} FlowInt;

/* A captured value: a flow or packet variable (name id), or a packet key/value pair. */
typedef struct VarValue {
    int id;                   /* -1: a key/value pair (key) */
    VarCapture type;
    uint8_t *key, *value;
    uint16_t key_len, value_len;
} VarValue;

typedef struct VarList {
    VarValue *v;
    uint32_t count;
    size_t cap;
} VarList;

typedef struct FlowVars {
    uint64_t flow_id;         /* 0: empty slot */
    uint64_t *bits;
    uint32_t bit_words;
    FlowInt *ints;
    uint32_t int_count;
    VarList strs;             /* flow variables, in the order they were first set */
    bool tombstone;
} FlowVars;

struct FlowVarStore {
    FlowVars *slots;
    uint32_t slot_count, used, tombstones;
    /* captures of the rule being checked (pending_tag says which rule, on which pass) */
    VarList pending;
    uint64_t pending_tag;
    /* the packet variables of the packet last inspected (pkt_of, pkt_cnt: which one) */
    VarList pkt;
    const Packet *pkt_of;
    uint64_t pkt_cnt;
};

/* Name spaces: flowbits, flowint, flow variables, packet variables. */
enum { NAMES_BITS, NAMES_INTS, NAMES_STRS, NAMES_PKT, NAMES_COUNT };
static char *names[NAMES_COUNT][FLOWVAR_MAX_NAMES];
static int name_count[NAMES_COUNT];

static int name_id(int k, const char *name)
{
    for (int i = 0; i < name_count[k]; i++)
        if (strcmp(names[k][i], name) == 0)
            return i;
    if (name_count[k] >= FLOWVAR_MAX_NAMES)
        return -1;
    names[k][name_count[k]] = strdup(name);
    return names[k][name_count[k]] ? name_count[k]++ : -1;
}

int flowvar_name_id(const char *name, bool is_int)
{
    return name_id(is_int ? NAMES_INTS : NAMES_BITS, name);
}

int flowvar_capture_name_id(const char *name, VarCapture type)
{
    return name_id(type == VAR_CAPTURE_FLOW ? NAMES_STRS : NAMES_PKT, name);
}

void flowvar_names_reset(void)
{
    for (int k = 0; k < NAMES_COUNT; k++) {
        for (int i = 0; i < name_count[k]; i++)
            free(names[k][i]);
        name_count[k] = 0;
    }
}

FlowVarStore *flowvar_store_new(void)
{
    FlowVarStore *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->slot_count = 1024;
    s->slots = calloc(s->slot_count, sizeof(FlowVars));
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

static void var_list_clear(VarList *l)
{
    for (uint32_t i = 0; i < l->count; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    l->count = 0;
}

static void var_list_free(VarList *l)
{
    var_list_clear(l);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Appends a value (taking key and value); false when out of memory (both are freed). */
static bool var_list_add(VarList *l, VarValue value)
{
    VarValue *grown = array_reserve(l->v, sizeof(*grown), (size_t)l->count + 1, &l->cap);
    if (!grown) {
        free(value.key);
        free(value.value);
        return false;
    }
    l->v = grown;
    l->v[l->count++] = value;
    return true;
}

static void clear_vars(FlowVars *v)
{
    free(v->bits);
    free(v->ints);
    var_list_free(&v->strs);
    memset(v, 0, sizeof(*v));
}

void flowvar_store_free(FlowVarStore *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->slot_count; i++)
        clear_vars(&s->slots[i]);
    free(s->slots);
    var_list_free(&s->pending);
    var_list_free(&s->pkt);
    free(s);
}

static uint32_t slot_of(const FlowVarStore *s, uint64_t id)
{
    return (uint32_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (s->slot_count - 1);
}

static FlowVars *lookup(FlowVarStore *s, uint64_t id)
{
    for (uint32_t i = slot_of(s, id), n = 0; n < s->slot_count;
         i = (i + 1) & (s->slot_count - 1), n++) {
        FlowVars *v = &s->slots[i];
        if (v->flow_id == id && !v->tombstone)
            return v;
        if (v->flow_id == 0 && !v->tombstone)
            return NULL;
    }
    return NULL;
}

static int rehash(FlowVarStore *s, uint32_t new_count)
{
    FlowVars *old = s->slots;
    uint32_t old_count = s->slot_count;
    s->slots = calloc(new_count, sizeof(FlowVars));
    if (!s->slots) {
        s->slots = old;
        return -1;
    }
    s->slot_count = new_count;
    for (uint32_t i = 0; i < old_count; i++) {
        if (!old[i].flow_id || old[i].tombstone)
            continue;
        uint32_t j = slot_of(s, old[i].flow_id);
        while (s->slots[j].flow_id)
            j = (j + 1) & (new_count - 1);
        s->slots[j] = old[i];
    }
    free(old);
    s->tombstones = 0;
    return 0;
}

static FlowVars *lookup_or_add(FlowVarStore *s, uint64_t id)
{
    FlowVars *v = lookup(s, id);
    if (v)
        return v;
    if (s->used >= FLOWVAR_MAX_FLOWS)
        return NULL;
    if ((s->used + s->tombstones + 1) * 2 > s->slot_count &&
        rehash(s, (s->used + 1) * 4 > s->slot_count ? s->slot_count * 2 : s->slot_count) != 0)
        return NULL;
    uint32_t i = slot_of(s, id);
    while (s->slots[i].flow_id && !s->slots[i].tombstone)
        i = (i + 1) & (s->slot_count - 1);
    v = &s->slots[i];
    if (v->tombstone)
        s->tombstones--;
    memset(v, 0, sizeof(*v));
    v->flow_id = id;
    s->used++;
    return v;
}

void flowvar_store_forget(FlowVarStore *s, const Flow *f)
{
    FlowVars *v = s ? lookup(s, f->flow_id) : NULL;
    if (!v)
        return;
    uint64_t id = v->flow_id;
    clear_vars(v);
    v->flow_id = id;      /* keeps the probe chain intact */
    v->tombstone = true;
    s->used--;
    s->tombstones++;
}

bool flowbit_isset(FlowVarStore *s, const Flow *f, int id)
{
    const FlowVars *v = f ? lookup(s, f->flow_id) : NULL;
    uint32_t word = (uint32_t)id / 64;
    return v && word < v->bit_words && (v->bits[word] >> (id % 64) & 1);
}

static uint64_t *bit_word(FlowVarStore *s, const Flow *f, int id)
{
    FlowVars *v = f ? lookup_or_add(s, f->flow_id) : NULL;
    if (!v)
        return NULL;
    uint32_t word = (uint32_t)id / 64;
    if (word >= v->bit_words) {
        uint64_t *grown = realloc(v->bits, (word + 1) * sizeof(uint64_t));
        if (!grown)
            return NULL;
        memset(grown + v->bit_words, 0, (word + 1 - v->bit_words) * sizeof(uint64_t));
        v->bits = grown;
        v->bit_words = word + 1;
    }
    return &v->bits[word];
}

void flowbit_set(FlowVarStore *s, const Flow *f, int id, bool on)
{
    if (!on && !flowbit_isset(s, f, id))
        return;
    uint64_t *w = bit_word(s, f, id);
    if (w)
        *w = on ? *w | (1ull << (id % 64)) : *w & ~(1ull << (id % 64));
}

void flowbit_toggle(FlowVarStore *s, const Flow *f, int id)
{
    flowbit_set(s, f, id, !flowbit_isset(s, f, id));
}

bool flowint_get(FlowVarStore *s, const Flow *f, int id, uint64_t *value)
{
    const FlowVars *v = f ? lookup(s, f->flow_id) : NULL;
    for (uint32_t i = 0; v && i < v->int_count; i++) {
        if (v->ints[i].id == id) {
            *value = v->ints[i].value;
            return true;
        }
    }
    return false;
}

static json_t *flowbit_names(const FlowVars *v)
{
    json_t *arr = NULL;
    for (int id = 0; id < name_count[0]; id++) {
        uint32_t word = (uint32_t)id / 64;
        if (word >= v->bit_words || !(v->bits[word] >> (id % 64) & 1))
            continue;
        if (!arr)
            arr = json_array();
        json_array_append_new(arr, json_string(names[0][id]));
    }
    return arr;
}

static json_t *flowint_object(const FlowVars *v)
{
    json_t *ints = v->int_count ? json_object() : NULL;
    for (uint32_t i = 0; i < v->int_count; i++)
        json_object_set_new(ints, names[NAMES_INTS][v->ints[i].id],
                            json_integer((json_int_t)v->ints[i].value));
    return ints;
}

/* [{"name": "value"}, ...]: flow variables, packet variables (by name or by their key). */
static json_t *var_array(const VarList *l, int space)
{
    json_t *arr = l->count ? json_array() : NULL;
    for (uint32_t i = 0; i < l->count; i++) {
        const VarValue *v = &l->v[i];
        json_t *one = json_object();
        alert_set_printable(one, v->id >= 0 ? names[space][v->id] : (const char *)v->key,
                            v->value, v->value_len);
        json_array_append_new(arr, one);
    }
    return arr;
}

static void set_if(json_t *md, const char *key, json_t *value)
{
    if (value)
        json_object_set_new(md, key, value);
}

json_t *flowvar_metadata(FlowVarStore *s, const Packet *p, const Flow *f)
{
    const FlowVars *v = f ? lookup(s, f->flow_id) : NULL;
    bool pkt = p && s->pkt.count && s->pkt_of == p && s->pkt_cnt == p->pcap_cnt;
    json_t *md = json_object();
    if (v) {
        set_if(md, "flowbits", flowbit_names(v));
        set_if(md, "flowints", flowint_object(v));
        set_if(md, "flowvars", var_array(&v->strs, NAMES_STRS));
    }
    if (pkt)
        set_if(md, "pktvars", var_array(&s->pkt, NAMES_PKT));
    if (json_object_size(md))
        return md;
    json_decref(md);
    return NULL;
}

static uint8_t *dup_bytes(const uint8_t *data, uint16_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, data, len);
    return copy;
}

/* A key/value pair's key names the variable in EVE: kept as text, in the printable form. */
static uint8_t *key_text(const uint8_t *key, uint16_t len)
{
    uint8_t *text = malloc((size_t)len + 1);
    for (uint16_t i = 0; text && i < len; i++)
        text[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '.';
    if (text)
        text[len] = 0;
    return text;
}

void flowvar_capture(FlowVarStore *s, uint64_t tag, VarCapture type, int id, const uint8_t *key,
                     uint16_t key_len, const uint8_t *value, uint16_t value_len)
{
    if (s->pending_tag != tag) {
        var_list_clear(&s->pending);
        s->pending_tag = tag;
    }
    VarValue nv = {.id = key ? -1 : id, .type = type, .key = key ? key_text(key, key_len) : NULL,
                   .value = dup_bytes(value, value_len), .key_len = key_len,
                   .value_len = value_len};
    if (!nv.value || (key && !nv.key)) {
        free(nv.key);
        free(nv.value);
        return;
    }
    for (uint32_t i = 0; !key && i < s->pending.count; i++) {
        VarValue *old = &s->pending.v[i];
        if (old->id == id && old->type == type) {  /* a later match of the same rule */
            free(old->value);
            *old = nv;
            return;
        }
    }
    var_list_add(&s->pending, nv);
}

/* A flow variable keeps its place and takes the new value. */
static void flow_str_put(FlowVarStore *s, const Flow *f, VarValue *nv)
{
    FlowVars *v = lookup_or_add(s, f->flow_id);
    if (!v) {
        free(nv->value);
        return;
    }
    for (uint32_t i = 0; i < v->strs.count; i++) {
        if (v->strs.v[i].id == nv->id) {
            free(v->strs.v[i].value);
            v->strs.v[i] = *nv;
            return;
        }
    }
    var_list_add(&v->strs, *nv);
}

void flowvar_capture_commit(FlowVarStore *s, uint64_t tag, const Packet *p, const Flow *f)
{
    if (s->pending_tag != tag || !s->pending.count)
        return;
    if (p && (s->pkt_of != p || s->pkt_cnt != p->pcap_cnt)) {
        var_list_clear(&s->pkt);
        s->pkt_of = p;
        s->pkt_cnt = p->pcap_cnt;
    }
    for (uint32_t i = 0; i < s->pending.count; i++) {
        VarValue *nv = &s->pending.v[i];
        if (nv->type == VAR_CAPTURE_FLOW && f)
            flow_str_put(s, f, nv);
        else if (nv->type == VAR_CAPTURE_PKT && p)
            var_list_add(&s->pkt, *nv);
        else {
            free(nv->key);
            free(nv->value);
        }
    }
    s->pending.count = 0;   /* the values moved */
    s->pending_tag = 0;
}

void flowint_put(FlowVarStore *s, const Flow *f, int id, uint64_t value)
{
    FlowVars *v = f ? lookup_or_add(s, f->flow_id) : NULL;
    if (!v)
        return;
    for (uint32_t i = 0; i < v->int_count; i++) {
        if (v->ints[i].id == id) {
            v->ints[i].value = value;
            return;
        }
    }
    FlowInt *grown = realloc(v->ints, (v->int_count + 1) * sizeof(FlowInt));
    if (!grown)
        return;
    v->ints = grown;
    v->ints[v->int_count++] = (FlowInt){id, value};
}
