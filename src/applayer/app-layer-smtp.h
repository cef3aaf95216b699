/*
 * app-layer-smtp.h - the SMTP parser ("smtp"): see app-layer-smtp.c.
 */
#ifndef BONGSU_APP_LAYER_SMTP_H
#define BONGSU_APP_LAYER_SMTP_H

#include "applayer/app-layer.h"

extern const AppLayerParser app_layer_smtp_parser;

/* The anomaly events kept on a transaction (app-layer-event:smtp.<name>). */
typedef enum SmtpEvent {
    SMTP_EV_INVALID_REPLY,
    SMTP_EV_UNABLE_TO_MATCH_REPLY_WITH_REQUEST,
    SMTP_EV_MAX_COMMAND_LINE_LEN_EXCEEDED,
    SMTP_EV_MAX_REPLY_LINE_LEN_EXCEEDED,
    SMTP_EV_NO_SERVER_WELCOME_MESSAGE,
    SMTP_EV_TLS_REJECTED,
    SMTP_EV_DUPLICATE_FIELDS,
    /* the message's MIME anomalies (mime.c), in MimeEvent's order */
    SMTP_EV_MIME_FIRST,
} SmtpEvent;

/* smtp.memcap: a command, recipient or transaction refused at the limits (bongsu's own
 * counter: private, in the run summary rather than EVE stats). */
void smtp_register_counters(void);
extern CounterId smtp_memcap_counter;

#endif
