/*
 * detect-hostbits.c - hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst>];
 * and hostbits:noalert.
 *
 * A hostbit is a bit on one host, the packet's source (the default) or destination. Suricata
 * keeps hostbits and the xbits of "track ip_src/ip_dst" in the same per-host storage, so a
 * hostbit set here is seen by an xbits isset on the same host and name: both are kept in
 * the xbits store (detect-xbits.c), bounded by host.memcap. As in Suricata 7, a set lasts
 * 300 seconds of packet time, there is no expire option, and "both" is rejected (Suricata
 * never implemented it).
 */
#include <stdio.h>
#include <string.h>

#include "common/textutil.h"
#include "detect/detect-flowvars.h"
#include "detect/detect-keywords.h"
#include "detect/detect-xbits.h"

#define HOSTBITS_EXPIRE 300

static int parse_cmd(const char *word, XbitCmd *cmd)
{
    static const char *const cmds[] = {"set", "unset", "toggle", "isset", "isnotset"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(word, cmds[i]) == 0) {
            *cmd = (XbitCmd)i;
            return 0;
        }
    }
    return -1;
}

static int parse_track(const char *word, XbitTrack *track)
{
    if (!word || strcmp(word, "src") == 0)
        *track = XB_SRC;
    else if (strcmp(word, "dst") == 0)
        *track = XB_DST;
    else
        return -1;
    return 0;
}

/* Splits "cmd[,name[,dir]]" into at most three trimmed fields; -1 when there are more. */
static int split_fields(char *text, char *fields[3])
{
    int n = 0;
    for (char *save = NULL, *f = strtok_r(text, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (n == 3)
            return -1;
        fields[n++] = text_trim(f);
    }
    return n;
}

static int hostbits_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *f[3] = {NULL, NULL, NULL};
    int n = split_fields(buf, f);
    if (n == 1 && strcmp(f[0], "noalert") == 0) {
        sig->flags |= SIG_FLAG_NOALERT;
        return 0;
    }
    XbitsCtx ctx = {.expire = HOSTBITS_EXPIRE};
    if (n < 2 || parse_cmd(f[0], &ctx.cmd) != 0 || !*f[1] || strpbrk(f[1], " \t") ||
        parse_track(n == 3 ? f[2] : NULL, &ctx.track) != 0) {
        snprintf(err, errlen, "expected <set|unset|toggle|isset|isnotset>,<name>[,<src|dst>]"
                              " or noalert");
        return -1;
    }
    ctx.id = flowvar_name_id(f[1], false);
    if (ctx.id < 0) {
        snprintf(err, errlen, "too many variable names");
        return -1;
    }
    return xbits_append(kw, sig, &ctx);
}

const DetectKeyword detect_hostbits_keywords[] = {
    {.name = "hostbits", .setup = hostbits_setup, .match_packet = xbits_match},
    {.name = NULL},
};
