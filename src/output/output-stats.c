/*
 * output-stats.c - the EVE `stats` event: uptime plus every registered counter, nested by
 * the dots in its name, summed over all threads.
 */
#include "output/output.h"

#include "common/timefmt.h"

static OutputStatsHook stats_hook;
static void *stats_hook_ud;

void output_stats_set_hook(OutputStatsHook fn, void *ud)
{
    stats_hook = fn;
    stats_hook_ud = ud;
}

void output_stats_log(EveWriter *w, const CounterSet *totals, uint64_t ts_usec,
                      uint64_t uptime_sec)
{
    if (!eve_enabled(w->log, EVE_STATS))
        return;
    json_t *obj = json_object();
    char ts[TIMEFMT_BUF_SIZE];
    timefmt_iso(ts_usec, ts);
    json_object_set_new(obj, "timestamp", json_string(ts));
    json_object_set_new(obj, "event_type", json_string("stats"));
    json_t *stats = counter_set_to_json(totals);
    json_object_set_new(stats, "uptime", json_integer((json_int_t)uptime_sec));
    if (stats_hook)
        stats_hook(stats, stats_hook_ud);
    json_object_set_new(obj, "stats", stats);
    eve_write(w, EVE_STATS, obj);
}
