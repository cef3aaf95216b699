/*
 * detect-flowvars.c - where flowbits and flowint values live.
 *
 * Each worker owns every flow it sees, so per-flow rule state is kept by the worker's
 * DetectThread, keyed by the flow's id, and needs no lock. Entries are created on the first
 * write and dropped when the flow ends (detect_flow_end); a flow that never had a bit set
 * costs nothing. The store is bounded: past FLOWVAR_MAX_FLOWS flows with state, new state is
 * not recorded (reads then see "unset"), so rule state cannot exhaust memory.
 *
 * Names are turned into ids once at load; the id space is shared by all threads.
 */
#include "detect/detect-flowvars.h"

#include <stdlib.h>
#include <string.h>

#define FLOWVAR_MAX_NAMES 4096
#define FLOWVAR_MAX_FLOWS (1u << 20)

typedef struct FlowInt {
    int id;
    uint64_t value;
} FlowInt;

typedef struct FlowVars {
    uint64_t flow_id;         /* 0: empty slot */
    uint64_t *bits;
    uint32_t bit_words;
    FlowInt *ints;
    uint32_t int_count;
    bool tombstone;
    bool iponly_ts, iponly_tc;   /* IP-only rules already ran in this direction */
} FlowVars;

struct FlowVarStore {
    FlowVars *slots;
    uint32_t slot_count, used, tombstones;
};

static char *names[2][FLOWVAR_MAX_NAMES];
static int name_count[2];

int flowvar_name_id(const char *name, bool is_int)
{
    int k = is_int ? 1 : 0;
    for (int i = 0; i < name_count[k]; i++)
        if (strcmp(names[k][i], name) == 0)
            return i;
    if (name_count[k] >= FLOWVAR_MAX_NAMES)
        return -1;
    names[k][name_count[k]] = strdup(name);
    return names[k][name_count[k]] ? name_count[k]++ : -1;
}

void flowvar_names_reset(void)
{
    for (int k = 0; k < 2; k++) {
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

static void clear_vars(FlowVars *v)
{
    free(v->bits);
    free(v->ints);
    memset(v, 0, sizeof(*v));
}

void flowvar_store_free(FlowVarStore *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->slot_count; i++)
        clear_vars(&s->slots[i]);
    free(s->slots);
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

bool flowvar_first_in_direction(FlowVarStore *s, const Flow *f, bool to_server)
{
    FlowVars *v = lookup_or_add(s, f->flow_id);
    if (!v)
        return false;  /* store full: IP-only rules are skipped rather than repeated */
    bool *done = to_server ? &v->iponly_ts : &v->iponly_tc;
    bool first = !*done;
    *done = true;
    return first;
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

void flowvar_add_metadata(FlowVarStore *s, const Flow *f, json_t *obj)
{
    const FlowVars *v = f ? lookup(s, f->flow_id) : NULL;
    if (!v)
        return;
    json_t *bits = flowbit_names(v);
    json_t *ints = v->int_count ? json_object() : NULL;
    for (uint32_t i = 0; i < v->int_count; i++)
        json_object_set_new(ints, names[1][v->ints[i].id],
                            json_integer((json_int_t)v->ints[i].value));
    if (!bits && !ints)
        return;
    json_t *md = json_object();
    if (bits)
        json_object_set_new(md, "flowbits", bits);
    if (ints)
        json_object_set_new(md, "flowints", ints);
    json_object_set_new(obj, "metadata", md);
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
