/*
 * detect-keywords.c - the keyword registry: every table of keywords in one lookup.
 *
 * A new keyword is added to its file's table (or a new file's table listed here); the parser
 * and the engine find it by name and call its setup/match functions, nothing else changes.
 */
#include "detect/detect-keywords.h"

#include <stdio.h>
#include <string.h>

#include "detect/detect-content.h"

static const DetectKeyword *find_in(const DetectKeyword *table, const char *name)
{
    for (const DetectKeyword *kw = table; kw->name; kw++)
        if (strcmp(kw->name, name) == 0)
            return kw;
    return NULL;
}

int detect_keyword_call(const char *name, Signature *sig, const char *value, char *err,
                        size_t errlen)
{
    const DetectKeyword *kw = detect_keyword_find(name);
    if (!kw) {
        snprintf(err, errlen, "%s is not available", name);
        return -1;
    }
    return kw->setup(kw, sig, value, err, errlen);
}

int detect_keyword_in_buffer(Signature *sig, const char *buffer, DetectBufferStep fn, void *arg,
                             char *err, size_t errlen)
{
    int saved_buffer = sig->active_buffer;
    SigList *saved_list = sig->active_list;
    int rc = detect_keyword_call(buffer, sig, NULL, err, errlen);
    if (rc == 0)
        rc = fn(sig, arg, err, errlen);
    sig->active_buffer = saved_buffer;
    sig->active_list = saved_list;
    return rc;
}

const DetectKeyword *detect_keyword_find(const char *name)
{
    if (strcmp(name, detect_kw_content.name) == 0)
        return &detect_kw_content;
    const DetectKeyword *const tables[] = {
        detect_meta_keywords, detect_kw_content_modifiers, detect_flow_keywords,
        detect_header_keywords, detect_pcre_keywords, detect_ipheader_keywords,
        detect_flowbits_keywords, detect_threshold_keywords, detect_transform_keywords,
        detect_payload_keywords, detect_bytes_keywords, detect_event_keywords,
        detect_stream_size_keywords, detect_xbits_keywords, detect_dataset_keywords,
        detect_iprep_keywords,
        detect_hdr_buffer_keywords, detect_legacy_keywords, detect_csum_keywords,
        detect_hostbits_keywords, detect_requires_keywords, detect_transform_param_keywords, detect_datarep_keywords, detect_file_keywords, detect_frame_keywords,
        detect_geoip_keywords,
        detect_unparsed_keywords, detect_tag_keywords, detect_asn1_keywords,
    };
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        const DetectKeyword *kw = find_in(tables[i], name);
        if (kw)
            return kw;
    }
    return detect_buffer_keyword_find(name);
}
