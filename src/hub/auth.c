/*
 * auth.c — bearer tokens: creation, hashing, verification, and per-token rate limiting.
 *
 * A token is "bsk_" followed by 256 random bits in base64url. The database keeps only
 * its SHA-256, so a stolen hub.db does not hand out working credentials; a plain hash
 * (no salt, no KDF) is enough because the secret has full entropy, and it lets the
 * lookup be a single indexed equality. Tokens are looked up on every request rather
 * than cached, so `bongsu-hub token revoke` takes effect on a running server at once.
 *
 * The rate limiter is a token bucket per principal name in a fixed open-addressed table.
 * Only authenticated principals reach it, and principals are created by an admin, so
 * the table's size bounds memory; if it ever fills, the overflow shares one bucket.
 */
#include "auth.h"

#include <math.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool hub_token_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > HUB_TOKEN_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

hub_status hub_token_generate(char out[HUB_TOKEN_LEN + 1])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint8_t rnd[33];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return HUB_ERR_IO;
    memcpy(out, "bsk_", 4);
    /* 43 characters * 6 bits = 258 bits drawn from 264 random bits. */
    for (int i = 0; i < 43; i++) {
        int bit = i * 6, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)rnd[byte] << 8 | rnd[byte + 1]) >> (10 - shift);
        out[4 + i] = b64[v & 63];
    }
    out[HUB_TOKEN_LEN] = '\0';
    return HUB_OK;
}

void hub_token_hash(const char *token, size_t len, char hex[65])
{
    uint8_t md[EVP_MAX_MD_SIZE] = {0};
    unsigned int mdlen = 0;
    EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
}

hub_status hub_token_create(hub_store *s, const char *name, hub_role role,
                            char token_out[HUB_TOKEN_LEN + 1])
{
    if (!hub_token_name_valid(name) || role == HUB_ROLE_NONE)
        return HUB_ERR_INVALID;
    hub_status st = hub_token_generate(token_out);
    if (st != HUB_OK)
        return st;
    char hex[65];
    hub_token_hash(token_out, strlen(token_out), hex);
    return hub_store_token_add(s, name, role, hex);
}

hub_status hub_auth_bearer(hub_store *s, const char *authorization, hub_principal *who)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return HUB_ERR_INVALID;
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len && tok[len - 1] == ' ')
        len--;
    if (len == 0 || len > 256)
        return HUB_ERR_INVALID;
    char hex[65];
    hub_token_hash(tok, len, hex);
    return hub_store_token_lookup(s, hex, who->name, sizeof who->name, &who->role);
}

/* ---- rate limiting ---------------------------------------------------------------- */

#define RL_SLOTS 4096

typedef struct {
    char key[HUB_TOKEN_NAME_MAX + 1];
    double tokens;
    int64_t last_us;
} rl_bucket;

struct hub_ratelimit {
    pthread_mutex_t mu;
    double per_sec, burst;
    rl_bucket slots[RL_SLOTS];
    rl_bucket overflow;
};

hub_ratelimit *hub_ratelimit_new(double per_sec, double burst)
{
    hub_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    pthread_mutex_init(&rl->mu, NULL);
    rl->per_sec = per_sec;
    rl->burst = burst < 1 ? 1 : burst;
    return rl;
}

void hub_ratelimit_free(hub_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static rl_bucket *rl_find(hub_ratelimit *rl, const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = key; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (unsigned i = 0; i < RL_SLOTS; i++) {
        rl_bucket *b = &rl->slots[(h + i) % RL_SLOTS];
        if (b->key[0] == '\0') {
            snprintf(b->key, sizeof b->key, "%s", key);
            b->tokens = rl->burst;
            return b;
        }
        if (strcmp(b->key, key) == 0)
            return b;
    }
    return &rl->overflow;
}

bool hub_ratelimit_take(hub_ratelimit *rl, const char *key, int64_t now_us,
                        unsigned *retry_after_s)
{
    if (!rl || rl->per_sec <= 0)
        return true;
    pthread_mutex_lock(&rl->mu);
    rl_bucket *b = rl_find(rl, key);
    if (b->last_us) {
        double dt = (double)(now_us - b->last_us) / 1e6;
        if (dt > 0)
            b->tokens = fmin(rl->burst, b->tokens + dt * rl->per_sec);
    }
    b->last_us = now_us;
    bool ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else if (retry_after_s)
        *retry_after_s = (unsigned)ceil((1.0 - b->tokens) / rl->per_sec);
    pthread_mutex_unlock(&rl->mu);
    return ok;
}
