/*
 * counters.c - counter registry and per-thread counter sets (see counters.h).
 */
#include "common/counters.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct CounterDef {
    char *name;
    CounterKind kind;
    CounterId avg_sum, avg_count;
    bool private_to_bongsu;
} CounterDef;

static CounterDef registry[COUNTERS_MAX];
static size_t registry_size;

CounterId counters_find(const char *name)
{
    for (size_t i = 0; i < registry_size; i++)
        if (strcmp(registry[i].name, name) == 0)
            return (CounterId)i;
    return -1;
}

static CounterId register_kind(const char *name, CounterKind kind)
{
    CounterId existing = counters_find(name);
    if (existing >= 0)
        return existing;
    if (registry_size >= COUNTERS_MAX)
        abort(); /* a programming error: the table is sized for every counter we define */
    registry[registry_size].name = strdup(name);
    registry[registry_size].kind = kind;
    return (CounterId)registry_size++;
}

CounterId counters_register(const char *name)
{
    return register_kind(name, COUNTER_SUM);
}

CounterId counters_register_max(const char *name)
{
    return register_kind(name, COUNTER_MAX);
}

CounterId counters_register_avg(const char *name, CounterId sum, CounterId count)
{
    CounterId id = register_kind(name, COUNTER_AVG);
    registry[id].avg_sum = sum;
    registry[id].avg_count = count;
    return id;
}

void counters_set_private(CounterId id)
{
    if (id >= 0 && (size_t)id < registry_size)
        registry[id].private_to_bongsu = true;
}

size_t counters_registered(void)
{
    return registry_size;
}

void counters_reset_registry(void)
{
    for (size_t i = 0; i < registry_size; i++)
        free(registry[i].name);
    registry_size = 0;
}

int counter_set_init(CounterSet *set)
{
    set->size = registry_size;
    set->values = calloc(registry_size ? registry_size : 1, sizeof(uint64_t));
    return set->values ? 0 : -1;
}

void counter_set_free(CounterSet *set)
{
    free(set->values);
    set->values = NULL;
    set->size = 0;
}

void counter_set_clear(CounterSet *set)
{
    memset(set->values, 0, set->size * sizeof(uint64_t));
}

void counter_set_merge(CounterSet *into, const CounterSet *from)
{
    size_t n = into->size < from->size ? into->size : from->size;
    for (size_t i = 0; i < n; i++) {
        if (registry[i].kind == COUNTER_MAX) {
            if (from->values[i] > into->values[i])
                into->values[i] = from->values[i];
        } else {
            into->values[i] += from->values[i];
        }
    }
}

uint64_t counter_get(const CounterSet *set, CounterId id)
{
    if (id < 0 || (size_t)id >= set->size)
        return 0;
    const CounterDef *def = &registry[id];
    if (def->kind == COUNTER_AVG) {
        uint64_t count = counter_get(set, def->avg_count);
        return count ? counter_get(set, def->avg_sum) / count : 0;
    }
    return set->values[id];
}

/* Walk/create the nested objects for "a.b.c" and set the leaf. */
static void json_set_dotted(json_t *root, const char *dotted, uint64_t value)
{
    char path[256];
    snprintf(path, sizeof(path), "%s", dotted);
    json_t *obj = root;
    char *save = NULL;
    char *part = strtok_r(path, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            json_object_set_new(obj, part, json_integer((json_int_t)value));
            return;
        }
        json_t *child = json_object_get(obj, part);
        if (!json_is_object(child)) {
            child = json_object();
            json_object_set_new(obj, part, child);
        }
        obj = child;
        part = next;
    }
}

json_t *counter_set_to_json(const CounterSet *set)
{
    json_t *root = json_object();
    for (size_t i = 0; i < set->size; i++)
        if (!registry[i].private_to_bongsu)
            json_set_dotted(root, registry[i].name, counter_get(set, (CounterId)i));
    return root;
}

size_t counters_format_private(const CounterSet *set, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < set->size && used < len; i++) {
        if (!registry[i].private_to_bongsu)
            continue;
        int n = snprintf(buf + used, len - used, "%s%s %llu", used ? ", " : "", registry[i].name,
                         (unsigned long long)counter_get(set, (CounterId)i));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return used < len ? used : len - 1;
}
