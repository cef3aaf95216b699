/*
 * detect-file-keywords.c - the file keywords: filename, fileext, filemd5, filesha1,
 * filesha256, filesize, filestore and filemagic (file.name and file.magic, the sticky
 * buffers, come from the parsers' buffer registry like any other).
 *
 * Suricata 7 inspects each file of a transaction on its own, and a rule's file keywords must
 * all hold for one file. Here each file keyword adds to the rule's file.name list, a
 * multi-buffer with one instance per file, so they are evaluated together per file:
 *   filename:[!]"x";    content:[!]"x"; nocase; on file.name (a substring, as Suricata 7);
 *   fileext:[!]"ext";   content:[!]".ext"; nocase; endswith; on file.name;
 *   filemd5:[!]<list>;  the file's digest is (is not) in the list file (one hex digest per
 *   filesha1, ...       line, anything after it ignored; relative paths beside the rule file,
 *                       then in default-rule-path); the file must be complete and hashed;
 *   filesize:<uint>;    the size of a complete file (a file still open or truncated only when
 *                       it is already larger than a ">" bound), as Suricata;
 *   filemagic:[!]"x";   content:[!]"x"; nocase; on file.magic (libmagic's description of the
 *                       file's first bytes, computed only because such a rule is loaded);
 *   filestore[:<dir>,<scope>];  accepted with Suricata's values; the file-store output stores
 *                       files as configured (force-filestore), since files are stored as they
 *                       stream, before a transaction's rules are evaluated.
 * The instance being inspected is found by its name bytes, which the buffer getter hands out
 * in place.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/textutil.h"
#include "common/array.h"
#include "config/config.h"
#include "detect/detect-dataset.h"
#include "detect/detect-file-keywords.h"
#include "detect/detect-keywords.h"
#include "detect/detect-uint.h"
#include "file/file.h"

/* Runs fn with file.name as the active buffer, then restores the rule's active buffer. */
static int in_file_name(Signature *sig, DetectBufferStep fn, void *arg, char *err,
                        size_t errlen)
{
    return detect_keyword_in_buffer(sig, "file.name", fn, arg, err, errlen);
}

/* A name value: optional '!', optional quotes. */
static int split_negation(const char *value, bool *negated, char *text, size_t textlen)
{
    while (value && isspace((unsigned char)*value))
        value++;
    *negated = value && *value == '!';
    if (*negated)
        value++;
    size_t len = value ? strlen(value) : 0;
    if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
        value++;
        len -= 2;
    }
    if (!len || len >= textlen)
        return -1;
    memcpy(text, value, len);
    text[len] = '\0';
    return 0;
}

typedef struct NameMatch {
    const char *value;
    bool ext;
} NameMatch;

static int add_name_content(Signature *sig, void *arg, char *err, size_t errlen)
{
    const NameMatch *nm = arg;
    bool negated;
    char text[1024], content[1100];
    if (split_negation(nm->value, &negated, text, sizeof(text)) != 0) {
        snprintf(err, errlen, "needs a name");
        return -1;
    }
    snprintf(content, sizeof(content), "%s\"%s%s\"", negated ? "!" : "", nm->ext ? "." : "",
             text);
    if (detect_keyword_call("content", sig, content, err, errlen) != 0 ||
        detect_keyword_call("nocase", sig, NULL, err, errlen) != 0)
        return -1;
    return nm->ext ? detect_keyword_call("endswith", sig, NULL, err, errlen) : 0;
}

static int filename_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                          char *err, size_t errlen)
{
    NameMatch nm = {value, strcmp(kw->name, "fileext") == 0};
    return in_file_name(sig, add_name_content, &nm, err, errlen);
}

static int filemagic_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    NameMatch nm = {value, false};
    return detect_keyword_in_buffer(sig, "file.magic", add_name_content, &nm, err, errlen);
}

/* The File whose name the inspection is looking at. */
static const File *current_file(const InspectState *st)
{
    const DetectMatchCtx *m = st->m;
    const AppLayerParser *parser = m->tx ? applayer_parser(m->proto) : NULL;
    if (!parser || !parser->tx_file)
        return NULL;
    for (int dir = 0; dir < 2; dir++) {
        const File *f;
        for (uint32_t i = 0; (f = parser->tx_file(m->tx, dir == 0, i)); i++)
            if (f->name == st->buf)
                return f;
    }
    return NULL;
}

/* --- filemd5 / filesha1 / filesha256 ------------------------------------------------- */

typedef struct HashListCtx {
    FileHashKind kind;
    bool negated;
    uint32_t digest_len, count;
    uint8_t *digests;        /* sorted, count * digest_len bytes */
} HashListCtx;

/* The leading hex digest of a list line; 1 to skip the line, -1 when it is not a digest. */
static int parse_digest(const char *line, uint32_t len, uint8_t *out)
{
    while (isspace((unsigned char)*line))
        line++;
    if (!*line || *line == '#')
        return 1;
    for (uint32_t i = 0; i < 2 * len; i++)
        if (!isxdigit((unsigned char)line[i]))
            return -1;
    if (line[2 * len] && !isspace((unsigned char)line[2 * len]))
        return -1;
    for (uint32_t i = 0; i < len; i++)
        out[i] = (uint8_t)(text_hex_value((unsigned char)line[2 * i]) << 4 |
                           text_hex_value((unsigned char)line[2 * i + 1]));
    return 0;
}

/* Sorts the digests (insertion sort keeps it simple; lists are loaded once, at start). */
static void sort_digests(uint8_t *d, uint32_t count, uint32_t len)
{
    uint8_t tmp[32];
    for (uint32_t i = 1; i < count; i++) {
        memcpy(tmp, d + i * len, len);
        uint32_t j = i;
        for (; j > 0 && memcmp(d + (j - 1) * len, tmp, len) > 0; j--)
            memcpy(d + j * len, d + (j - 1) * len, len);
        memcpy(d + j * len, tmp, len);
    }
}

bool file_hash_list_contains(const uint8_t *digests, uint32_t count, uint32_t len,
                             const uint8_t *digest)
{
    uint32_t lo = 0, hi = count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(digests + mid * len, digest, len);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Beside the rule file when the list is there, else under default-rule-path. */
static void list_path(const char *name, char *out, size_t size)
{
    const char *rule_file = dataset_loading_rule_file();
    const char *slash = rule_file ? strrchr(rule_file, '/') : NULL;
    if (name[0] == '/') {
        snprintf(out, size, "%s", name);
        return;
    }
    if (slash) {
        snprintf(out, size, "%.*s/%s", (int)(slash - rule_file), rule_file, name);
        if (access(out, R_OK) == 0)
            return;
    }
    snprintf(out, size, "%s", name);
}

int file_hash_list_read(FILE *f, uint32_t len, uint8_t **digests, uint32_t *count,
                        const char *name, char *err, size_t errlen)
{
    char line[512];
    size_t cap = 0;
    uint32_t lineno = 0;
    *digests = NULL;
    *count = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        uint8_t *grown = array_reserve(*digests, len, (size_t)*count + 1, &cap);
        if (!grown)
            return -1;
        *digests = grown;
        int rc = parse_digest(line, len, *digests + *count * len);
        if (rc < 0) {
            snprintf(err, errlen, "%s:%u: not a %u-byte hex digest", name, lineno, len);
            return -1;
        }
        *count += rc == 0;
    }
    if (!*count) {
        snprintf(err, errlen, "%s: no digests", name);
        return -1;
    }
    sort_digests(*digests, *count, len);
    return 0;
}

static void hash_list_free(void *p)
{
    HashListCtx *ctx = p;
    if (ctx)
        free(ctx->digests);
    free(ctx);
}

static int add_hash_list(Signature *sig, void *arg, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    HashListCtx *ctx = arg;
    return sig_append(sig, SIG_LIST_PAYLOAD, detect_keyword_find(
        ctx->kind == FILE_HASH_MD5 ? "filemd5" : ctx->kind == FILE_HASH_SHA1 ? "filesha1"
                                                                             : "filesha256"),
                      ctx) ? 0 : -1;
}

static int filehash_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                          char *err, size_t errlen)
{
    HashListCtx *ctx = calloc(1, sizeof(*ctx));
    char name[1024], path[2200];
    if (!ctx)
        return -1;
    ctx->kind = strcmp(kw->name, "filemd5") == 0    ? FILE_HASH_MD5
                : strcmp(kw->name, "filesha1") == 0 ? FILE_HASH_SHA1
                                                    : FILE_HASH_SHA256;
    ctx->digest_len = ctx->kind == FILE_HASH_MD5 ? 16 : ctx->kind == FILE_HASH_SHA1 ? 20 : 32;
    FILE *f = NULL;
    int rc = split_negation(value, &ctx->negated, name, sizeof(name));
    if (rc != 0)
        snprintf(err, errlen, "needs a hash list file");
    if (rc == 0) {
        list_path(name, path, sizeof(path));
        if (!(f = fopen(path, "r"))) {
            snprintf(err, errlen, "%s: cannot open", path);
            rc = -1;
        }
    }
    if (rc == 0)
        rc = file_hash_list_read(f, ctx->digest_len, &ctx->digests, &ctx->count, path, err,
                                 errlen);
    if (f)
        fclose(f);
    if (rc == 0)
        rc = in_file_name(sig, add_hash_list, ctx, err, errlen);
    if (rc != 0) {
        hash_list_free(ctx);
        return -1;
    }
    file_request_hashes();
    return 0;
}

static bool filehash_inspect(InspectState *st, const SigMatch *sm)
{
    const HashListCtx *ctx = sm->ctx;
    const File *f = current_file(st);
    if (!f || f->state == FILE_STATE_OPENED)
        return false;
    const bool have[] = {f->have_md5, f->have_sha1, f->have_sha256};
    const uint8_t *digest[] = {f->md5, f->sha1, f->sha256};
    if (!have[ctx->kind])
        return false;
    bool found = file_hash_list_contains(ctx->digests, ctx->count, ctx->digest_len,
                                         digest[ctx->kind]);
    return found != ctx->negated && detect_inspect_list(st, sm->next);
}

/* --- filesize ------------------------------------------------------------------------- */

static int add_filesize(Signature *sig, void *arg, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return sig_append(sig, SIG_LIST_PAYLOAD, detect_keyword_find("filesize"), arg) ? 0 : -1;
}

static int filesize_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                          char *err, size_t errlen)
{
    (void)kw;
    DetectUint *u = calloc(1, sizeof(*u));
    if (!u)
        return -1;
    if (!value || detect_uint_parse(value, u, UINT64_MAX) != 0) {
        snprintf(err, errlen, "invalid size \"%s\"", value ? value : "");
        free(u);
        return -1;
    }
    if (in_file_name(sig, add_filesize, u, err, errlen) != 0) {
        free(u);
        return -1;
    }
    return 0;
}

static bool filesize_inspect(InspectState *st, const SigMatch *sm)
{
    const DetectUint *u = sm->ctx;
    const File *f = current_file(st);
    if (!f)
        return false;
    bool ok = f->state == FILE_STATE_CLOSED
                  ? detect_uint_match(u, f->size)
                  : (u->op == DU_GT || u->op == DU_GE) && detect_uint_match(u, f->size);
    return ok && detect_inspect_list(st, sm->next);
}

/* --- filestore ------------------------------------------------------------------------ */

static int nothing_more(Signature *sig, void *arg, char *err, size_t errlen)
{
    (void)sig;
    (void)arg;
    (void)err;
    (void)errlen;
    return 0;
}

static int filestore_setup(const DetectKeyword *kw, Signature *sig, const char *value,
                           char *err, size_t errlen)
{
    (void)kw;
    static const char *const dirs[] = {"request", "response", "both", "to_server",
                                       "to_client"};
    static const char *const scopes[] = {"file", "tx", "ssn", "flow"};
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", value ? value : "");
    char *save = NULL, *dir = strtok_r(buf, ",", &save), *scope = strtok_r(NULL, ",", &save);
    bool ok = !strtok_r(NULL, ",", &save);
    bool dir_ok = !dir, scope_ok = !scope;
    for (size_t i = 0; dir && i < sizeof(dirs) / sizeof(dirs[0]); i++)
        dir_ok = dir_ok || strcmp(text_trim(dir), dirs[i]) == 0;
    for (size_t i = 0; scope && i < sizeof(scopes) / sizeof(scopes[0]); i++)
        scope_ok = scope_ok || strcmp(text_trim(scope), scopes[i]) == 0;
    if (!ok || !dir_ok || !scope_ok) {
        snprintf(err, errlen, "expected [<request|response|both|to_server|to_client>"
                              "[,<file|tx|ssn|flow>]]");
        return -1;
    }
    /* the rule is about files: it needs one, as a file.name list makes it */
    return in_file_name(sig, nothing_more, NULL, err, errlen);
}

const DetectKeyword detect_file_keywords[] = {
    {.name = "filename", .setup = filename_setup},
    {.name = "fileext", .setup = filename_setup},
    {.name = "filemd5", .setup = filehash_setup, .inspect = filehash_inspect,
     .free_ctx = hash_list_free},
    {.name = "filesha1", .setup = filehash_setup, .inspect = filehash_inspect,
     .free_ctx = hash_list_free},
    {.name = "filesha256", .setup = filehash_setup, .inspect = filehash_inspect,
     .free_ctx = hash_list_free},
    {.name = "filesize", .setup = filesize_setup, .inspect = filesize_inspect},
    {.name = "filestore", .setup = filestore_setup},
    {.name = "filemagic", .setup = filemagic_setup},
    {.name = NULL},
};
