/*
 * counters.h - named statistics counters with Suricata's names ("decoder.pkts", "flow.tcp").
 *
 * Counters are registered by name once, at start-up, before any thread runs; each thread then
 * owns a CounterSet (a flat array indexed by CounterId) and increments it without locks. The
 * stats output merges the sets and turns the dotted names into the nested `stats` object of
 * EVE. Registering the same name twice returns the same id, so a module can register without
 * knowing whether another already did.
 */
#ifndef BONGSU_COUNTERS_H
#define BONGSU_COUNTERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef int CounterId;

typedef enum CounterKind {
    COUNTER_SUM,  /* totals add up across threads */
    COUNTER_MAX,  /* the largest value of any thread */
    COUNTER_AVG,  /* derived: sum counter / count counter, integer division */
} CounterKind;

#define COUNTERS_MAX 2048

CounterId counters_register(const char *name);
CounterId counters_register_max(const char *name);
CounterId counters_register_avg(const char *name, CounterId sum, CounterId count);
/* Keeps a counter out of EVE `stats`, whose schema (Suricata's, closed at every level) has
 * no place for bongsu's own counters; counters_format_private() reports them instead. */
void counters_set_private(CounterId id);
/* "name value, name value" for the private counters, into buf; returns the length. */
struct CounterSet;
size_t counters_format_private(const struct CounterSet *set, char *buf, size_t len);
/* Id of a registered counter, or -1. */
CounterId counters_find(const char *name);
size_t counters_registered(void);
/* Forget every registration (tests only; no CounterSet may be alive). */
void counters_reset_registry(void);

typedef struct CounterSet {
    uint64_t *values;
    size_t size;
} CounterSet;

int counter_set_init(CounterSet *set);
void counter_set_free(CounterSet *set);
void counter_set_clear(CounterSet *set);
void counter_set_merge(CounterSet *into, const CounterSet *from);

static inline void counter_add(CounterSet *set, CounterId id, uint64_t n)
{
    set->values[id] += n;
}

static inline void counter_incr(CounterSet *set, CounterId id)
{
    set->values[id]++;
}

static inline void counter_update_max(CounterSet *set, CounterId id, uint64_t v)
{
    if (v > set->values[id])
        set->values[id] = v;
}

uint64_t counter_get(const CounterSet *set, CounterId id);
/* The nested object for EVE `stats`: "a.b.c" -> {"a":{"b":{"c":N}}}. */
json_t *counter_set_to_json(const CounterSet *set);

#endif
