/*
 * detect-attribute.c - attribution of rule alerts.
 *
 * After loading, each rule's metadata and msg are checked once for a known actor (through a
 * callback, so detection does not depend on the intel module); a hit adds actor and
 * mitre_group_id to the rule's metadata, and every alert of that rule carries them.
 * Then the metadata is kept as compact JSON text: a jansson tree per rule (an object, an
 * array per key, a string per value) cost ET Open over 40 MiB, the text about a quarter of
 * that; an alert parses it back, which is cheap next to writing the alert.
 */
#include "detect/detect-engine.h"

static void seal_metadata(Signature *sig)
{
    if (sig->metadata && json_object_size(sig->metadata)) {
        char *text = json_dumps(sig->metadata, JSON_COMPACT);
        if (!text)
            return; /* no memory: alerts use the tree */
        sig->metadata_json = text;
    }
    json_decref(sig->metadata);
    sig->metadata = NULL;
}

void detect_engine_attribute(DetectEngine *de, DetectAttributeFn fn, void *ud)
{
    for (uint32_t i = 0; de && i < de->count; i++) {
        fn(ud, &de->sigs[i]->metadata, de->sigs[i]->msg);
        seal_metadata(de->sigs[i]);
    }
}
