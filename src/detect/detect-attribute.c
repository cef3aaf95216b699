/*
 * detect-attribute.c - compact rule metadata, and attribution of rule alerts.
 *
 * The parser builds each rule's metadata as a jansson tree (an object, an array per key, a
 * string per value); the loader seals it into compact JSON text as soon as the rule is
 * stored. ET Open's trees took about 60 MiB of small allocations while all rules were
 * loading; freed at the end they left a fragmented heap that stayed resident (bench/run
 * --rules peak RSS), while the text costs about a sixth of that. An alert parses the text
 * back, which is cheap next to writing the alert.
 *
 * After loading, each rule's metadata and msg are checked once for a known actor (through a
 * callback, so detection does not depend on the intel module): the text is parsed back one
 * rule at a time, and a hit adds actor and mitre_group_id, which every alert of that rule
 * then carries.
 */
#include "detect/detect-engine.h"

void signature_seal_metadata(Signature *sig)
{
    if (sig->metadata && json_object_size(sig->metadata)) {
        char *text = json_dumps(sig->metadata, JSON_COMPACT);
        if (!text)
            return; /* no memory: alerts use the tree */
        free(sig->metadata_json);
        sig->metadata_json = text;
    }
    json_decref(sig->metadata);
    sig->metadata = NULL;
}

/* Values in a metadata tree: attribution only ever appends one, so a change in this count is
 * a change to the tree. */
static size_t metadata_values(const json_t *metadata)
{
    size_t n = 0;
    const char *key;
    json_t *values;
    json_object_foreach((json_t *)metadata, key, values)
        n += 1 + json_array_size(values);
    return n;
}

static void attribute_one(Signature *sig, DetectAttributeFn fn, void *ud)
{
    if (!sig->metadata && sig->metadata_json)
        sig->metadata = json_loads(sig->metadata_json, 0, NULL);
    size_t before = metadata_values(sig->metadata);
    fn(ud, &sig->metadata, sig->msg);
    if (metadata_values(sig->metadata) == before && sig->metadata_json) {
        json_decref(sig->metadata); /* unchanged: the text stands */
        sig->metadata = NULL;
        return;
    }
    signature_seal_metadata(sig);
}

void detect_engine_attribute(DetectEngine *de, DetectAttributeFn fn, void *ud)
{
    for (uint32_t i = 0; de && i < de->count; i++)
        attribute_one(de->sigs[i], fn, ud);
}
