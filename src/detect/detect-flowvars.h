/*
 * detect-flowvars.h - per-flow rule state: flowbits and flowint (see detect-flowvars.c).
 */
#ifndef BONGSU_DETECT_FLOWVARS_H
#define BONGSU_DETECT_FLOWVARS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "flow/flow.h"

typedef struct FlowVarStore FlowVarStore;

FlowVarStore *flowvar_store_new(void);
void flowvar_store_free(FlowVarStore *s);
/* The flow ended: drop its variables. */
void flowvar_store_forget(FlowVarStore *s, const Flow *f);

/* Variable names become small ids at load (flowbits and flowint have separate spaces). */
int flowvar_name_id(const char *name, bool is_int);
void flowvar_names_reset(void);

bool flowbit_isset(FlowVarStore *s, const Flow *f, int id);
void flowbit_set(FlowVarStore *s, const Flow *f, int id, bool on);
void flowbit_toggle(FlowVarStore *s, const Flow *f, int id);

/* A pass rule matched on the flow: the rest of it is not inspected (Suricata 7). */

bool flowint_get(FlowVarStore *s, const Flow *f, int id, uint64_t *value);
/* Suricata's EVE "metadata" of a flow and packet: {"flowbits": [names set], "flowints":
 * {name: value}, "flowvars": [{name: value}], "pktvars": [{name: value}]}, each only when
 * there is one (pktvars: when p is the packet last inspected); NULL without any. */
json_t *flowvar_metadata(FlowVarStore *s, const Packet *p, const Flow *f);

/* What a pcre capture becomes: a flow variable, a packet variable, or a packet key/value
 * pair (pkt:key,pkt:value: the first capture names the variable). */
typedef enum VarCapture { VAR_CAPTURE_FLOW, VAR_CAPTURE_PKT } VarCapture;
int flowvar_capture_name_id(const char *name, VarCapture type);
/* A capture of the rule being checked, kept until the rule matched in full; tag names the
 * rule and the inspection pass. key: a key/value pair (id unused). The bytes are copied. */
void flowvar_capture(FlowVarStore *s, uint64_t tag, VarCapture type, int id, const uint8_t *key,
                     uint16_t key_len, const uint8_t *value, uint16_t value_len);
/* The rule with this tag matched: its captures become variables of f and p. */
void flowvar_capture_commit(FlowVarStore *s, uint64_t tag, const Packet *p, const Flow *f);
void flowint_put(FlowVarStore *s, const Flow *f, int id, uint64_t value);

#endif
