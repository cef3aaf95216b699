/*
 * intel-load.c - reading a feed file and choosing its format by content.
 *
 * JSON that holds "type": "bundle" is STIX 2.1; JSON with an "Event" (or a list of events,
 * or a MISP feed manifest keyed by event uuid) is MISP; anything else is CSV. Files are read
 * whole (feeds are at most a few hundred MB) with a hard cap so a wrong path cannot exhaust
 * memory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-load.h"
#include "common/textutil.h"

#define INTEL_FILE_MAX (1ull << 30)

char *intel_trim(char *s)
{
    return text_trim(s);
}

void intel_report_error(IntelLoadStats *stats, IntelReportFn report, void *ud, const char *where,
                        const char *reason)
{
    stats->errors++;
    if (report)
        report(ud, where, reason);
}

json_t *intel_parse_json(const char *path, const char *text, size_t len, IntelLoadStats *stats,
                         IntelReportFn report, void *ud)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        char where[1100];
        snprintf(where, sizeof(where), "%s:%d", path, jerr.line);
        intel_report_error(stats, report, ud, where, jerr.text);
    }
    return root;
}

void intel_add_record(IntelStore *store, const IntelRecord *rec, const char *where,
                      IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    char err[256] = "";
    int rc = intel_store_add(store, rec, err, sizeof(err));
    if (rc == 0)
        stats->added++;
    else if (rc == 1)
        stats->duplicates++;
    else
        intel_report_error(stats, report, ud, where, err[0] ? err : "invalid indicator");
}

static char *read_whole(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size < 0 || (unsigned long long)size > INTEL_FILE_MAX) {
        fclose(f);
        snprintf(err, errlen, "file too large (limit 1 GiB)");
        return NULL;
    }
    char *buf = malloc((size_t)size + 1);
    *len = buf ? fread(buf, 1, (size_t)size, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

typedef enum FeedFormat { FEED_CSV, FEED_STIX, FEED_MISP } FeedFormat;

static FeedFormat sniff_format(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i >= len || (text[i] != '{' && text[i] != '['))
        return FEED_CSV;
    /* Only the first few KiB matter: a bundle announces itself early. */
    size_t window = len - i < 4096 ? len - i : 4096;
    char head[4097];
    memcpy(head, text + i, window);
    head[window] = '\0';
    if (strstr(head, "\"bundle\"") || strstr(head, "\"spec_version\""))
        return FEED_STIX;
    return FEED_MISP;
}

/* CSV is streamed; JSON formats need the whole document. */
static int load_csv_file(IntelStore *store, const char *path, IntelLoadStats *stats,
                         IntelReportFn report, void *ud)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        intel_report_error(stats, report, ud, path, strerror(errno));
        return -1;
    }
    int rc = intel_load_csv_stream(store, path, f, stats, report, ud);
    fclose(f);
    return rc;
}

static bool looks_like_json(const char *path)
{
    FILE *f = fopen(path, "r");
    int c = ' ';
    while (f && (c = fgetc(f)) != EOF && isspace(c))
        ;
    if (f)
        fclose(f);
    return c == '{' || c == '[';
}

int intel_load_file(IntelStore *store, const char *path, IntelLoadStats *stats,
                    IntelReportFn report, void *ud)
{
    if (!looks_like_json(path))
        return load_csv_file(store, path, stats, report, ud);
    char err[256];
    size_t len;
    char *text = read_whole(path, &len, err, sizeof(err));
    if (!text) {
        intel_report_error(stats, report, ud, path, err);
        return -1;
    }
    int rc;
    switch (sniff_format(text, len)) {
    case FEED_STIX:
        rc = intel_load_stix(store, path, text, len, stats, report, ud);
        break;
    case FEED_MISP:
        rc = intel_load_misp(store, path, text, len, stats, report, ud);
        break;
    default: /* JSON-looking text that is no known feed: let CSV parsing report it */
        rc = intel_load_csv(store, path, text, len, stats, report, ud);
        break;
    }
    free(text);
    return rc;
}
