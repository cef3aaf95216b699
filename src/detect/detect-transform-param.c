/*
 * detect-transform-param.c - the transforms that take a value: pcrexform and xor.
 *
 *   pcrexform:"<regex>";  the buffer becomes what the regex's one capture group matched; when
 *                         the regex does not match, the buffer is left as it was. The regex
 *                         must have exactly one capture group (Suricata 7 rejects others).
 *   xor:"<hex key>";      every byte is XORed with the key, repeated over the buffer; the key
 *                         is an even number of hex digits, 1 to 255 bytes.
 * Both follow a sticky buffer like the fixed transforms of detect-transform.c, which applies
 * them in rule order through transform_param_apply().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect-keywords.h"
#include "detect/detect-transform.h"
#include "common/textutil.h"

typedef enum { TP_PCREXFORM, TP_XOR } TransformParamKind;

struct TransformParam {
    TransformParamKind kind;
    pcre2_code *re;          /* pcrexform */
    uint8_t key[255];        /* xor */
    uint32_t key_len;
};

void transform_param_free(TransformParam *tp)
{
    if (!tp)
        return;
    pcre2_code_free(tp->re);
    free(tp);
}

static uint32_t apply_pcrexform(const TransformParam *tp, DetectThread *dt, const uint8_t *in,
                                uint32_t len, uint8_t *out)
{
    int rc = pcre2_match(tp->re, in, len, 0, 0, dt->pcre_md, dt->pcre_mctx);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(dt->pcre_md);
    bool captured = rc > 1 && ov[2] != PCRE2_UNSET && ov[3] >= ov[2] && ov[3] <= len;
    if (!captured) {
        memmove(out, in, len);
        return len;
    }
    uint32_t n = (uint32_t)(ov[3] - ov[2]);
    memmove(out, in + ov[2], n);
    return n;
}

uint32_t transform_param_apply(const TransformParam *tp, DetectThread *dt, const uint8_t *in,
                               uint32_t len, uint8_t *out)
{
    if (tp->kind == TP_PCREXFORM)
        return apply_pcrexform(tp, dt, in, len, out);
    for (uint32_t i = 0; i < len; i++)
        out[i] = in[i] ^ tp->key[i % tp->key_len];
    return len;
}

/* The option's text without the quotes Suricata requires around it; NULL when unquoted. */
static char *quoted_value(const char *value, char *buf, size_t buflen)
{
    size_t len = value ? strlen(value) : 0;
    if (len < 2 || value[0] != '"' || value[len - 1] != '"' || len - 2 >= buflen)
        return NULL;
    memcpy(buf, value + 1, len - 2);
    buf[len - 2] = '\0';
    return buf;
}

static int pcrexform_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    char buf[4096];
    const char *regex = quoted_value(value, buf, sizeof(buf));
    if (!regex) {
        snprintf(err, errlen, "needs a quoted regular expression");
        return -1;
    }
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &code, &at, NULL);
    uint32_t groups = 0;
    if (!re || pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups) != 0 || groups != 1) {
        snprintf(err, errlen, re ? "needs exactly one capture group, found %u"
                                 : "regex does not compile", groups);
        pcre2_code_free(re);
        return -1;
    }
    TransformParam *tp = calloc(1, sizeof(*tp));
    if (!tp) {
        pcre2_code_free(re);
        return -1;
    }
    tp->kind = TP_PCREXFORM;
    tp->re = re;
    if (transform_add(sig, TRANSFORM_ID_PARAM, tp, err, errlen) != 0) {
        transform_param_free(tp);
        return -1;
    }
    return 0;
}

static int xor_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                     size_t errlen)
{
    (void)kw;
    char buf[600];
    const char *hex = quoted_value(value, buf, sizeof(buf));
    size_t n = hex ? strlen(hex) : 0;
    if (!hex || n == 0 || n % 2 || n / 2 > 255) {
        snprintf(err, errlen, "needs a quoted key of 1 to 255 bytes in hex (an even length)");
        return -1;
    }
    TransformParam *tp = calloc(1, sizeof(*tp));
    if (!tp)
        return -1;
    tp->kind = TP_XOR;
    tp->key_len = (uint32_t)(n / 2);
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)hex[i])) {
            snprintf(err, errlen, "the key must be hex digits only");
            free(tp);
            return -1;
        }
        tp->key[i / 2] = (uint8_t)(tp->key[i / 2] << 4 | text_hex_value((unsigned char)hex[i]));
    }
    if (transform_add(sig, TRANSFORM_ID_PARAM, tp, err, errlen) != 0) {
        transform_param_free(tp);
        return -1;
    }
    return 0;
}

const DetectKeyword detect_transform_param_keywords[] = {
    {.name = "pcrexform", .setup = pcrexform_setup},
    {.name = "xor", .setup = xor_setup},
    {.name = NULL},
};
