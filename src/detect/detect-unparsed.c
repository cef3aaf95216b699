/*
 * detect-unparsed.c - keywords of app-layer protocols bongsu has no parser for.
 *
 * Why: Suricata 7 loads rules with these keywords (ET Open's "GPL FTP PORT bounce attempt"
 * uses ftpbounce), and bongsu is to load a rule set with Suricata's verdicts. Without the
 * protocol's parser the rule can never match, so it loads inert (counted in the load
 * summary, like rules on "alert ftp"). The setup still refuses what Suricata refuses: the
 * keyword ties the rule to its protocol, so a rule of another app-layer protocol conflicts.
 * (ssh.proto and the other sticky buffers of such protocols are in detect-buffers.c.)
 *
 *   ftpbounce;   FTP: a PORT command naming an address other than the client's
 */
#include <stdio.h>

#include "detect/detect-keywords.h"

static int unparsed_setup(const DetectKeyword *kw, Signature *sig, const char *value, char *err,
                          size_t errlen)
{
    if (value && *value) {
        snprintf(err, errlen, "%s takes no value", kw->name);
        return -1;
    }
    if (sig->alproto != ALPROTO_UNKNOWN) {
        snprintf(err, errlen, "%s cannot be used in this rule (protocol conflict?)", kw->name);
        return -1;
    }
    sig->flags |= SIG_FLAG_INERT;
    return 0;
}

const DetectKeyword detect_unparsed_keywords[] = {
    {.name = "ftpbounce", .setup = unparsed_setup},
    {.name = NULL},
};
