/*
 * detect-attribute.c - attribution of rule alerts.
 *
 * After loading, each rule's metadata and msg are checked once for a known actor (through a
 * callback, so detection does not depend on the intel module); a hit adds actor and
 * mitre_group_id to the rule's metadata, and every alert of that rule carries them.
 */
#include "detect/detect-engine.h"

void detect_engine_attribute(DetectEngine *de, DetectAttributeFn fn, void *ud)
{
    for (uint32_t i = 0; de && i < de->count; i++)
        fn(ud, &de->sigs[i]->metadata, de->sigs[i]->msg);
}
