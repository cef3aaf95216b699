/*
 * server.h — the HTTP(S) server: options and the blocking entry point.
 */
#ifndef BONGSU_HUB_SERVER_H
#define BONGSU_HUB_SERVER_H

#include "api.h"

typedef struct {
    const char *listen;    /* "127.0.0.1:8640", "[::1]:8640"; port 0 picks a free one */
    const char *db_path;
    const char *tls_cert;  /* PEM files; both or neither */
    const char *tls_key;
    size_t max_body;       /* bytes per ingest request */
    double rate;           /* requests per second per token; 0 disables */
    double burst;
    unsigned threads;
    const char *actors_path; /* STIX bundle with intrusion-sets (aliases), optional */
    const char *redis_url;   /* ingest feeds this Redis stream instead of the store */
    const char *stream;      /* its key */
    hub_export_opts exp;
} hub_server_opts;

/* Runs until SIGINT or SIGTERM. Returns a process exit status. */
int hub_serve(const hub_server_opts *o);

/* Embedded web console files (console_assets.c, generated at build time). */
typedef struct {
    const char *path; /* "/index.html" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
} hub_asset;
const hub_asset *hub_console_asset(const char *path);

#endif
