/*
 * detect-inspect.c - evaluating a list of payload matches against one buffer.
 *
 * Each payload keyword's inspect function checks itself and then calls
 * detect_inspect_list() for the rest of the list, so keywords that can match at several
 * positions (content, pcre) backtrack when a later relative match fails.
 */
#include "detect/detect-engine.h"

InspectState inspect_state_make(DetectMatchCtx *m, const uint8_t *buf, uint32_t len)
{
    return (InspectState){.buf = buf, .len = len, .m = m, .vars = m->dt->vars};
}

bool detect_inspect_list(InspectState *st, const SigMatch *sm)
{
    if (!sm)
        return true;
    if (!sm->keyword->inspect)
        return detect_inspect_list(st, sm->next);
    return sm->keyword->inspect(st, sm);
}
