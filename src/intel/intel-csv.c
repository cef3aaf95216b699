/*
 * intel-csv.c - CSV feeds: header "type,value,actor,confidence,source,reference,techniques".
 *
 * Only type and value are required; columns are found by their header name, so feeds may
 * order them as they like or add their own. Fields may be double-quoted (RFC 4180, "" for a
 * quote). '#' lines and blank lines are skipped. Files are read line by line, so loading a
 * feed never holds the file and the store in memory at once. A bad line is reported as file:line with
 * the reason and skipped; the rest of the file loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intel/intel-load.h"

#define CSV_MAX_FIELDS 32

enum { COL_TYPE, COL_VALUE, COL_ACTOR, COL_CONFIDENCE, COL_SOURCE, COL_REFERENCE,
       COL_TECHNIQUES, COL_COUNT };

static const char *const column_names[COL_COUNT] = {
    "type", "value", "actor", "confidence", "source", "reference", "techniques"};

/* Splits one line in place; returns the field count. */
static int split_csv(char *line, char *fields[CSV_MAX_FIELDS])
{
    int n = 0;
    char *c = line;
    while (n < CSV_MAX_FIELDS) {
        char *out = c, *start = c;
        if (*c == '"') {
            c++;
            while (*c) {
                if (*c == '"' && c[1] == '"') {
                    *out++ = '"';
                    c += 2;
                } else if (*c == '"') {
                    c++;
                    break;
                } else {
                    *out++ = *c++;
                }
            }
            while (*c && *c != ',')
                c++;
        } else {
            while (*c && *c != ',')
                out = ++c;
        }
        bool more = *c == ',';
        *out = '\0';
        fields[n++] = start;
        if (!more)
            break;
        c++;
    }
    return n;
}

static int map_header(char *header, int columns[COL_COUNT])
{
    char *fields[CSV_MAX_FIELDS];
    int n = split_csv(header, fields);
    for (int c = 0; c < COL_COUNT; c++)
        columns[c] = -1;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < COL_COUNT; c++)
            if (strcasecmp(intel_trim(fields[i]), column_names[c]) == 0)
                columns[c] = i;
    return columns[COL_TYPE] >= 0 && columns[COL_VALUE] >= 0 ? 0 : -1;
}

static const char *field(char *fields[], int count, int column)
{
    return column >= 0 && column < count ? intel_trim(fields[column]) : NULL;
}

static void load_row(IntelStore *store, char *line, const int columns[COL_COUNT],
                     const char *where, IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    char *fields[CSV_MAX_FIELDS];
    int n = split_csv(line, fields);
    const char *type_name = field(fields, n, columns[COL_TYPE]);
    int type = type_name ? intel_type_by_name(type_name) : -1;
    if (type < 0) {
        char reason[256];
        snprintf(reason, sizeof(reason), "unknown indicator type \"%s\"", type_name ? type_name : "");
        intel_report_error(stats, report, ud, where, reason);
        return;
    }
    const char *confidence = field(fields, n, columns[COL_CONFIDENCE]);
    IntelRecord rec = {
        .type = (IntelType)type,
        .value = field(fields, n, columns[COL_VALUE]),
        .actor = field(fields, n, columns[COL_ACTOR]),
        .confidence = confidence && *confidence ? atoi(confidence) : -1,
        .source = field(fields, n, columns[COL_SOURCE]),
        .reference = field(fields, n, columns[COL_REFERENCE]),
        .techniques = field(fields, n, columns[COL_TECHNIQUES]),
    };
    intel_add_record(store, &rec, where, stats, report, ud);
}

/* Reads lines from f; the shared body of the file and the in-memory entry points. */
int intel_load_csv_stream(IntelStore *store, const char *path, FILE *f, IntelLoadStats *stats,
                          IntelReportFn report, void *ud)
{
    int columns[COL_COUNT];
    bool have_header = false;
    int lineno = 0;
    char line[8192];
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strlen(line);
        bool truncated = n == sizeof(line) - 1 && line[n - 1] != '\n';
        if (truncated) { /* skip the rest of an over-long line */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
        }
        char *s = intel_trim(line);
        if (!*s || *s == '#')
            continue;
        char where[1100];
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (!have_header) {
            if (map_header(s, columns) != 0) {
                intel_report_error(stats, report, ud, where,
                                   "header must name at least the type and value columns");
                return -1;
            }
            have_header = true;
        } else if (truncated) {
            intel_report_error(stats, report, ud, where, "line too long");
        } else {
            load_row(store, s, columns, where, stats, report, ud);
        }
    }
    return 0;
}

int intel_load_csv(IntelStore *store, const char *path, const char *text, size_t len,
                   IntelLoadStats *stats, IntelReportFn report, void *ud)
{
    if (len == 0)
        return 0;
    FILE *f = fmemopen((void *)text, len, "r");
    if (!f)
        return -1;
    int rc = intel_load_csv_stream(store, path, f, stats, report, ud);
    fclose(f);
    return rc;
}
