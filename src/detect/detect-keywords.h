/*
 * detect-keywords.h - the keyword tables each detect-*.c file contributes.
 */
#ifndef BONGSU_DETECT_KEYWORDS_H
#define BONGSU_DETECT_KEYWORDS_H

#include "detect/detect-internal.h"

/* NULL-name terminated tables. */
extern const DetectKeyword detect_meta_keywords[];
extern const DetectKeyword detect_flow_keywords[];
/* A flow keyword's context that holds a direction and nothing else (flow:to_server):
 * Suricata keeps that as rule flags, not as a match. */
bool detect_flow_only_direction(const void *flow_ctx);
extern const DetectKeyword detect_header_keywords[];
extern const DetectKeyword detect_pcre_keywords[];
extern const DetectKeyword detect_ipheader_keywords[];
extern const DetectKeyword detect_flowbits_keywords[];
extern const DetectKeyword detect_threshold_keywords[];
extern const DetectKeyword detect_transform_keywords[];
extern const DetectKeyword detect_payload_keywords[];
extern const DetectKeyword detect_bytes_keywords[];
extern const DetectKeyword detect_event_keywords[];
extern const DetectKeyword detect_stream_size_keywords[];
extern const DetectKeyword detect_xbits_keywords[];
extern const DetectKeyword detect_dataset_keywords[];
extern const DetectKeyword detect_iprep_keywords[];
extern const DetectKeyword detect_hdr_buffer_keywords[];
extern const DetectKeyword detect_legacy_keywords[];
extern const DetectKeyword detect_csum_keywords[];
extern const DetectKeyword detect_hostbits_keywords[];
extern const DetectKeyword detect_requires_keywords[];
extern const DetectKeyword detect_transform_param_keywords[];
extern const DetectKeyword detect_datarep_keywords[];
extern const DetectKeyword detect_file_keywords[];
extern const DetectKeyword detect_frame_keywords[];
extern const DetectKeyword detect_unparsed_keywords[];
extern const DetectKeyword detect_tag_keywords[];
extern const DetectKeyword detect_asn1_keywords[];
extern const DetectKeyword detect_geoip_keywords[];

/* Runs keyword `name`'s setup, as if the rule had it at this point (keywords that are
 * spelled as other keywords: uricontent, filename...). */
int detect_keyword_call(const char *name, Signature *sig, const char *value, char *err,
                        size_t errlen);
/* Runs fn with sticky buffer `buffer` active, then restores the rule's active buffer, for
 * keywords that add to a buffer without being sticky (tls.issuerdn, filename...). */
typedef int (*DetectBufferStep)(Signature *sig, void *arg, char *err, size_t errlen);
int detect_keyword_in_buffer(Signature *sig, const char *buffer, DetectBufferStep fn, void *arg,
                             char *err, size_t errlen);

/* Sticky buffers and legacy content modifiers for every registered app-layer buffer; built
 * after the app layer registered its buffers. */
void detect_buffer_keywords_init(void);
const DetectKeyword *detect_buffer_keyword_find(const char *name);

#endif
