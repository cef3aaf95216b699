/*
 * detect-signature.c - building a Signature's match lists while its options are parsed.
 *
 * Payload keywords (content, pcre, byte_test...) go to the packet payload list until a sticky
 * buffer keyword (http.uri;, dns.query;...) makes that buffer's list the active one, as in
 * Suricata; legacy modifiers (content:"x"; http_uri;) move the last match to a buffer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-address.h"
#include "detect/detect-parse.h"
#include "detect/detect-port.h"
#include "detect/detect-stream-inspect.h"
#include "detect/detect-transform.h"

static void list_append(SigList *list, SigMatch *sm)
{
    if (list->tail)
        list->tail->next = sm;
    else
        list->head = sm;
    list->tail = sm;
}

static SigList *new_buffer_list(Signature *sig, int buffer_id);

/* The buffer's latest list (a buffer has several after a transform, see sig_buffer_split). */
static SigList *buffer_list(Signature *sig, int buffer_id, bool create)
{
    for (size_t i = sig->buffer_count; i-- > 0;)
        if (sig->buffers[i].buffer_id == buffer_id)
            return &sig->buffers[i];
    return create ? new_buffer_list(sig, buffer_id) : NULL;
}

SigList *sig_buffer_split(Signature *sig)
{
    if (sig->active_list || sig->active_buffer < 0)
        return NULL;
    return new_buffer_list(sig, sig->active_buffer);
}

static SigList *new_buffer_list(Signature *sig, int buffer_id)
{
    /* active_list may point into the array being moved (base64_decode after http_uri) */
    bool inside = sig->active_list && sig->active_list >= sig->buffers &&
                  sig->active_list < sig->buffers + sig->buffer_count;
    size_t active = inside ? (size_t)(sig->active_list - sig->buffers) : 0;
    SigList *grown = realloc(sig->buffers, (sig->buffer_count + 1) * sizeof(SigList));
    if (!grown)
        return NULL;
    sig->buffers = grown;
    if (inside)
        sig->active_list = &grown[active];
    SigList *list = &sig->buffers[sig->buffer_count++];
    memset(list, 0, sizeof(*list));
    list->buffer_id = buffer_id;
    applayer_buffer_used_by_rule(buffer_id); /* every way a rule reaches a buffer ends here */
    return list;
}

SigList *sig_payload_list(Signature *sig)
{
    if (sig->active_list)
        return sig->active_list;
    if (sig->active_buffer >= 0)
        return buffer_list(sig, sig->active_buffer, true);
    return &sig->fixed[SIG_LIST_PAYLOAD];
}

SigMatch *sig_append(Signature *sig, int list, const DetectKeyword *kw, void *ctx)
{
    SigMatch *sm = calloc(1, sizeof(SigMatch));
    if (!sm)
        return NULL;
    sm->keyword = kw;
    sm->ctx = ctx;
    SigList *target = list == SIG_LIST_PAYLOAD ? sig_payload_list(sig) : &sig->fixed[list];
    if (!target) {
        free(sm);
        return NULL;
    }
    list_append(target, sm);
    return sm;
}

bool sig_in_sticky_buffer(const Signature *sig)
{
    return sig->active_buffer != -1 || sig->active_list;
}

int sig_set_sticky_buffer(Signature *sig, int buffer_id)
{
    if (!buffer_list(sig, buffer_id, true))
        return -1;
    sig->active_buffer = buffer_id;
    sig->active_list = NULL;
    AppProto proto = applayer_buffer_proto(buffer_id);
    if (proto != ALPROTO_UNKNOWN) {
        if (sig->alproto != ALPROTO_UNKNOWN && sig->alproto != proto)
            return -1;
        sig->alproto = proto;
        sig->flags |= SIG_FLAG_APPLAYER;
    }
    return 0;
}

int sig_move_last_to_buffer(Signature *sig, int buffer_id, char *err, size_t errlen)
{
    SigList *from = &sig->fixed[SIG_LIST_PAYLOAD];
    if (!from->tail) {
        snprintf(err, errlen, "no preceding content to apply the modifier to");
        return -1;
    }
    SigMatch *last = from->tail;
    if (from->head == last) {
        from->head = from->tail = NULL;
    } else {
        SigMatch *prev = from->head;
        while (prev->next != last)
            prev = prev->next;
        prev->next = NULL;
        from->tail = prev;
    }
    SigList *to = buffer_list(sig, buffer_id, true);
    if (!to)
        return -1;
    list_append(to, last);
    int saved = sig->active_buffer;
    int rc = sig_set_sticky_buffer(sig, buffer_id);
    sig->active_buffer = saved;
    if (rc != 0)
        snprintf(err, errlen, "buffer belongs to another protocol than the rule's");
    return rc;
}

int sig_var_find(const Signature *sig, const char *name)
{
    for (int i = 0; i < sig->var_count; i++)
        if (strcmp(sig->var_names[i], name) == 0)
            return i;
    return -1;
}

int sig_var_add(Signature *sig, const char *name, char *err, size_t errlen)
{
    if (!*name || isdigit((unsigned char)*name) || *name == '-') {
        snprintf(err, errlen, "invalid variable name \"%s\"", name);
        return -1;
    }
    if (sig_var_find(sig, name) >= 0) {
        snprintf(err, errlen, "variable \"%s\" is already defined", name);
        return -1;
    }
    if (sig->var_count >= SIG_MAX_VARS) {
        snprintf(err, errlen, "more than %d byte_extract/byte_math variables", SIG_MAX_VARS);
        return -1;
    }
    sig->var_names[sig->var_count] = strdup(name);
    if (!sig->var_names[sig->var_count])
        return -1;
    return sig->var_count++;
}

int detect_value_parse(const Signature *sig, const char *text, int64_t min, int64_t max,
                       DetectValue *out, char *err, size_t errlen)
{
    while (text && isspace((unsigned char)*text))
        text++;
    if (!text || !*text) {
        snprintf(err, errlen, "needs a number");
        return -1;
    }
    out->var = -1;
    if (isdigit((unsigned char)*text) || *text == '-' || *text == '+') {
        errno = 0;
        char *end;
        long long v = strtoll(text, &end, 0);
        while (isspace((unsigned char)*end))
            end++;
        if (errno || *end || v < min || v > max) {
            snprintf(err, errlen, "invalid number \"%s\" (%lld..%lld)", text, (long long)min,
                     (long long)max);
            return -1;
        }
        out->value = v;
        return 0;
    }
    out->var = sig_var_find(sig, text);
    if (out->var < 0) {
        snprintf(err, errlen, "\"%s\" is neither a number nor a byte_extract variable", text);
        return -1;
    }
    return 0;
}

void sig_list_mark_relative(SigList *list)
{
    for (SigMatch *sm = list->head; sm; sm = sm->next) {
        sm->relative = sm->keyword->is_relative && sm->keyword->is_relative(sm->ctx);
        if (sm->keyword->nested_list)
            sig_list_mark_relative(sm->keyword->nested_list(sm->ctx));
    }
}

int signature_finish(Signature *sig, char *err, size_t errlen)
{
    for (int i = 0; i < SIG_LIST_FIXED_COUNT; i++)
        sig_list_mark_relative(&sig->fixed[i]);
    for (size_t i = 0; i < sig->buffer_count; i++)
        sig_list_mark_relative(&sig->buffers[i]);
    if (sig->sid == 0) {
        snprintf(err, errlen, "rule has no sid");
        return -1;
    }
    if (!sig->msg)
        sig->msg = strdup("");
    if (addr_set_is_any(&sig->src))
        sig->flags |= SIG_FLAG_SRC_ANY;
    if (addr_set_is_any(&sig->dst))
        sig->flags |= SIG_FLAG_DST_ANY;
    if (port_set_is_any(&sig->sp))
        sig->flags |= SIG_FLAG_SP_ANY;
    if (port_set_is_any(&sig->dp))
        sig->flags |= SIG_FLAG_DP_ANY;
    if (detect_sig_mixes_packet_and_state(sig)) {
        snprintf(err, errlen, "combines packet specific matches (dsize, flags, ttl...) with "
                              "app-layer state matching (a sticky buffer or http_* keyword)");
        return -1;
    }
    detect_stream_classify(sig);
    return 0;
}

void sig_list_free(SigList *list)
{
    SigMatch *sm = list->head;
    while (sm) {
        SigMatch *next = sm->next;
        if (sm->keyword && sm->keyword->free_ctx)
            sm->keyword->free_ctx(sm->ctx);
        else
            free(sm->ctx);
        free(sm);
        sm = next;
    }
    list->head = list->tail = NULL;
    for (int i = 0; i < list->transform_count; i++)
        transform_param_free(list->transform_params[i]);
}

void signature_free(Signature *sig)
{
    if (!sig)
        return;
    for (int i = 0; i < SIG_LIST_FIXED_COUNT; i++)
        sig_list_free(&sig->fixed[i]);
    for (size_t i = 0; i < sig->buffer_count; i++)
        sig_list_free(&sig->buffers[i]);
    free(sig->buffers);
    addr_set_free(&sig->src);
    addr_set_free(&sig->dst);
    port_set_free(&sig->sp);
    port_set_free(&sig->dp);
    free(sig->msg);
    free(sig->classtype);
    free(sig->file);
    for (int i = 0; i < sig->var_count; i++)
        free(sig->var_names[i]);
    free(sig->threshold);
    free(sig->detection_filter);
    free(sig->suppress);
    free(sig->th);
    json_decref(sig->metadata);
    free(sig->metadata_json);
    free(sig);
}
