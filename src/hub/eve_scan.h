/*
 * eve_scan.h — one-pass checker of an EVE line that keeps only what the hub stores.
 *
 * The hub stores each EVE line byte for byte and indexes a dozen of its fields, so
 * building a whole JSON tree per line (what jansson does) was most of ingest's parsing
 * cost: a malloc per value, then freeing it all. hub_eve_scan validates the line with
 * the same rules as json_loadb(JSON_REJECT_DUPLICATES) (RFC 8259 grammar, UTF-8 checked,
 * no \u0000, 64-bit integers, finite reals, duplicate keys rejected in every object,
 * nesting at most 2048 deep, nothing after the value) and decodes only the strings
 * listed in hub_eve_capture. tests/fuzz/fuzz-hub-ingest.c checks it against jansson.
 */
#ifndef BONGSU_HUB_EVE_SCAN_H
#define BONGSU_HUB_EVE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_EVE_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */
#define HUB_EVE_TECH_MAX 256   /* joined mitre_technique_id, with its NUL */

/* What the scan keeps. Strings are decoded, NUL-terminated, and live in the arena the
 * caller passed; NULL when absent or of another JSON type. */
typedef struct {
    bool is_object; /* the top-level value is an object (else nothing below is set) */
    const char *event_type, *timestamp, *src_ip, *dest_ip;
    bool has_dns; /* a top-level "dns" member, of any type */
    bool has_alert, has_ddos; /* "alert" / "ddos" members that are objects */
    bool has_sid, has_severity; /* alert.signature_id / severity are integers */
    int64_t sid, severity;
    const char *signature, *category, *target_ip; /* alert.*, alert.target.ip */
    const char *alert_actor; /* alert.metadata.actor: the string, or the array's first
                                element when that is a string; empty strings are NULL */
    char techniques[HUB_EVE_TECH_MAX]; /* that string (truncated), or the array's
                                          non-empty strings comma-joined while they fit */
    const char *ddos_attack, *ddos_victim, *ddos_actor; /* ddos.*, ddos.metadata.actor */
} hub_eve_capture;

/* Checks line[0..len) and fills *cap. `arena` must hold at least `len` bytes (decoded
 * strings are never longer than their JSON form). On failure returns false and writes
 * a short client-safe reason; *column gets the 1-based byte column of the error. */
bool hub_eve_scan(const char *line, size_t len, char *arena, hub_eve_capture *cap,
                  char *reason, size_t reason_len, size_t *column);

#endif
