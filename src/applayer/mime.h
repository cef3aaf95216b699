/*
 * mime.h - a streaming MIME message parser (RFC 2045/2046) for mail bodies: see mime.c.
 */
#ifndef BONGSU_MIME_H
#define BONGSU_MIME_H

#include <stdbool.h>
#include <stdint.h>

/* Anomalies, with Suricata's SMTP event names (mime_event_name). */
typedef enum MimeEvent {
    MIME_EV_INVALID_BASE64,
    MIME_EV_INVALID_QP,
    MIME_EV_LONG_HEADER_NAME,
    MIME_EV_LONG_HEADER_VALUE,
    MIME_EV_LONG_BOUNDARY,
    MIME_EV_LONG_FILENAME,
    MIME_EV_MALFORMED_MSG,   /* multipart nested past MIME_DEPTH_MAX */
    MIME_EV_MAX,
} MimeEvent;

const char *mime_event_name(MimeEvent ev);

/* What the parser reports; every callback may be NULL. */
typedef struct MimeSink {
    void *ud;
    /* a header of the message itself (not of its parts), unfolded, value trimmed */
    void (*header)(void *ud, const uint8_t *name, uint32_t nlen, const uint8_t *value,
                   uint32_t vlen);
    /* an attachment (a part with a file name) begins, its decoded bytes, its end */
    void (*file_begin)(void *ud, const uint8_t *name, uint32_t len);
    void (*file_data)(void *ud, const uint8_t *data, uint32_t len);
    void (*file_end)(void *ud);
    /* a decoded line of a text part that is not an attachment (URL extraction) */
    void (*text_line)(void *ud, const uint8_t *line, uint32_t len);
    void (*event)(void *ud, MimeEvent ev);
} MimeSink;

typedef struct MimeParser MimeParser;

MimeParser *mime_new(const MimeSink *sink);
/* One line of the message, without its CRLF (the SMTP layer removed dot-stuffing). */
void mime_line(MimeParser *m, const uint8_t *line, uint32_t len);
/* Whether the part being read is the message itself (no multipart): from a text_line
 * callback, the line is the message's own body. */
bool mime_in_root(const MimeParser *m);
/* The message ended: an open attachment ends with it. */
void mime_end(MimeParser *m);
void mime_free(MimeParser *m);

#endif
