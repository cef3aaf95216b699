/*
 * auth.h — bearer tokens and per-token rate limiting.
 */
#ifndef BONGSU_HUB_AUTH_H
#define BONGSU_HUB_AUTH_H

#include "hub.h"
#include "store.h"

#define HUB_TOKEN_NAME_MAX 64
#define HUB_TOKEN_LEN 47 /* "bsk_" + 43 base64url characters (256 random bits) */

typedef struct {
    char name[HUB_TOKEN_NAME_MAX + 1];
    hub_role role;
} hub_principal;

bool hub_token_name_valid(const char *name);
hub_status hub_token_generate(char out[HUB_TOKEN_LEN + 1]);
void hub_token_hash(const char *token, size_t len, char hex[65]);
/* Creates a token; the clear text goes to `token_out` and is never stored. */
hub_status hub_token_create(hub_store *s, const char *name, hub_role role,
                            char token_out[HUB_TOKEN_LEN + 1]);
/* Authenticates an "Authorization" header value. HUB_ERR_INVALID when missing or not a
 * Bearer token, HUB_ERR_NOTFOUND when unknown or revoked. */
hub_status hub_auth_bearer(hub_store *s, const char *authorization, hub_principal *who);

typedef struct hub_ratelimit hub_ratelimit;
/* per_sec requests per second sustained, burst at once; per_sec <= 0 disables. */
hub_ratelimit *hub_ratelimit_new(double per_sec, double burst);
void hub_ratelimit_free(hub_ratelimit *rl);
/* true when the request may proceed; otherwise *retry_after_s says when to come back. */
bool hub_ratelimit_take(hub_ratelimit *rl, const char *key, int64_t now_us,
                        unsigned *retry_after_s);

#endif
