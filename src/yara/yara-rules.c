/*
 * yara-rules.c - loading YARA rules into a YaraRuleSet (see yara-rules.h).
 *
 * libyara's compiler is unusable after its first error, so one bad file would lose every
 * rule. Each source file is therefore first compiled alone in a throw-away compiler (its
 * errors reported at file:line); only the files that compile are added, each in its own
 * namespace, to the compiler that builds the set. Compiling twice costs well under a second
 * for the DPRK pack and only happens at start-up and on reload, off the packet path.
 *
 * Rules may use the THOR/LOKI externals (filename, filepath, extension, filetype, owner):
 * they are defined empty here and set per file by the scanner, so such rules load as yarac
 * does with `-d filename=` and still see the transferred file's name.
 */
#include "yara/yara-rules.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

#include "common/array.h"
#include "yara/yara-compiled.h"
#include "yara/yara-gate.h"
#include "yara/yara-prefilter.h"

#define MAX_DIR_DEPTH 8
#define MAX_RULE_FILES 4096
/* Kept compiled sets not used for this long are removed when a new one is kept. */
#define YARA_KEPT_DAYS 14

typedef struct RulePart {
    YR_RULES *rules;
    YaraScope scope;
    YaraGate *gate;          /* the gated part (yara-gate.h): scanned only when this hits */
    YaraRuleInfo *info;      /* indexed like rules->rules_table */
    size_t count;
} RulePart;

struct YaraRuleSet {
    RulePart *parts;
    size_t part_count;
    size_t rule_count;
    unsigned externals;      /* YARA_EXTERNAL_* some rule may read */
    const IntelActors *kb;
};

typedef struct FileList {
    char **paths;
    size_t count, cap;
} FileList;

typedef struct LoadCtx {
    YaraReportFn report;
    void *ud;
    int errors;
    bool quiet;          /* second compilation of a file: its messages were reported */
    bool held;           /* a first try: messages kept, reported only if it succeeds */
    char *held_text;     /* "E|I" where "\t" message "\n", one a line */
    size_t held_len;
    bool recording;      /* keep what is reported, for a compiled-set entry */
    char *record_text;   /* as held_text */
    size_t record_len;
} LoadCtx;

static const char *const externals[] = {"filename", "filepath", "extension", "filetype", "owner"};

/* Rule sets are built by a reload thread and freed by the scanner thread: the count of
 * libyara users is shared between them. */
static pthread_mutex_t library_lock = PTHREAD_MUTEX_INITIALIZER;
static int library_users;

int yara_library_init(void)
{
    pthread_mutex_lock(&library_lock);
    int rc = 0;
    if (library_users == 0 && yr_initialize() != ERROR_SUCCESS) {
        rc = -1;
    } else {
        /* Each scan allocates a notebook of 1024 matches of this many bytes of matched data
         * (512 by default: 600 KB, returned to the system after every scan and faulted in
         * again, 25 page faults per file). bongsu never reads the matched bytes; the rules'
         * verdicts do not depend on them. */
        uint32_t match_data = 16;
        yr_set_configuration(YR_CONFIG_MAX_MATCH_DATA, &match_data);
        library_users++;
    }
    pthread_mutex_unlock(&library_lock);
    return rc;
}

void yara_library_fini(void)
{
    pthread_mutex_lock(&library_lock);
    if (library_users > 0 && --library_users == 0)
        yr_finalize();
    pthread_mutex_unlock(&library_lock);
}

static void append_line(char **text, size_t *len, const char *where, const char *msg,
                        bool error)
{
    size_t add = strlen(where) + strlen(msg) + 4;
    char *t = realloc(*text, *len + add + 1);
    if (!t)
        return;
    *text = t;
    *len += (size_t)snprintf(t + *len, add + 1, "%c%s\t%s\n", error ? 'E' : 'I', where, msg);
}

static void report(LoadCtx *lc, const char *where, const char *msg, bool error)
{
    if (lc->quiet)
        return;
    if (lc->held) {
        append_line(&lc->held_text, &lc->held_len, where, msg, error);
        return;
    }
    if (lc->recording)
        append_line(&lc->record_text, &lc->record_len, where, msg, error);
    if (lc->report)
        lc->report(lc->ud, where, msg, error);
}

/* Reports each "E|I" where "\t" message line of text (which it cuts up). */
static void replay(LoadCtx *lc, char *text)
{
    for (char *line = text; line && *line;) {
        char *tab = strchr(line, '\t'), *nl = tab ? strchr(tab, '\n') : NULL;
        if (!nl)
            break;
        *tab = *nl = '\0';
        report(lc, line + 1, tab + 1, line[0] == 'E');
        line = nl + 1;
    }
}

/* Reports what a successful first try held back (or drops it: keep false). */
static void release_held(LoadCtx *lc, bool keep)
{
    lc->held = false;
    if (keep)
        replay(lc, lc->held_text);
    free(lc->held_text);
    lc->held_text = NULL;
    lc->held_len = 0;
}

static bool has_rule_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".yar") == 0 || strcmp(dot, ".yara") == 0 ||
                   strcmp(dot, ".yarc") == 0 || strcmp(dot, ".yac") == 0);
}

static int list_add(FileList *l, const char *path)
{
    if (l->count >= MAX_RULE_FILES)
        return -1;
    char **p = array_reserve(l->paths, sizeof(*p), l->count + 1, &l->cap);
    if (!p)
        return -1;
    l->paths = p;
    l->paths[l->count] = strdup(path);
    if (!l->paths[l->count])
        return -1;
    l->count++;
    return 0;
}

/* Directories are walked in name order so the rule order (and so the EVE order of several
 * matches on one file) is the same on every machine. */
static void collect(FileList *l, const char *path, int depth, LoadCtx *lc)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        report(lc, path, strerror(errno), true);
        lc->errors++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (list_add(l, path) != 0)
            report(lc, path, "too many rule files (ignored)", true);
        return;
    }
    if (depth >= MAX_DIR_DEPTH)
        return;
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        report(lc, path, strerror(errno), true);
        lc->errors++;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char child[4096];
        if (name[0] != '.' &&
            (size_t)snprintf(child, sizeof(child), "%s/%s", path, name) < sizeof(child) &&
            stat(child, &st) == 0 && (S_ISDIR(st.st_mode) || has_rule_extension(name)))
            collect(l, child, depth + 1, lc);
        free(names[i]);
    }
    free(names);
}

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *message, void *user)
{
    (void)rule;
    LoadCtx *lc = user;
    char where[4200];
    if (line > 0)
        snprintf(where, sizeof(where), "%s:%d", file ? file : "?", line);
    else
        snprintf(where, sizeof(where), "%s", file ? file : "?");
    report(lc, where, message, level == YARA_ERROR_LEVEL_ERROR);
}

static YR_COMPILER *compiler_new(LoadCtx *lc)
{
    YR_COMPILER *c;
    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    yr_compiler_set_callback(c, on_compile_message, lc);
    for (size_t i = 0; i < sizeof(externals) / sizeof(externals[0]); i++)
        yr_compiler_define_string_variable(c, externals[i], "");
    return c;
}

/* 0 when the file compiles on its own (errors are reported through lc). */
static int add_source(YR_COMPILER *c, const char *path, LoadCtx *lc)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        report(lc, path, strerror(errno), true);
        return -1;
    }
    int errors = yr_compiler_add_file(c, f, path, path);
    fclose(f);
    return errors ? -1 : 0;
}

static bool compiles_alone(const char *path, LoadCtx *lc)
{
    YR_COMPILER *probe = compiler_new(lc);
    if (!probe)
        return false;
    bool ok = add_source(probe, path, lc) == 0;
    yr_compiler_destroy(probe);
    return ok;
}

static bool is_compiled(const char *path)
{
    char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    return n == sizeof(magic) && memcmp(magic, "YARA", 4) == 0;
}

static uint32_t rule_sid(const char *file, const char *rule)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    uint32_t h = 2166136261u;
    for (const char *s = base; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    h = (h ^ ':') * 16777619u;
    for (const char *s = rule; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    h &= 0x7fffffffu;
    return h ? h : 1;
}

static const char *meta_string(const YR_RULE *rule, const char *const *keys, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++) {
        const YR_META *meta;
        yr_rule_metas_foreach(rule, meta)
        {
            if (meta->type == META_TYPE_STRING && strcasecmp(meta->identifier, keys[k]) == 0 &&
                meta->string && *meta->string)
                return meta->string;
        }
    }
    return NULL;
}

static int actor_of_text(const IntelActors *kb, const char *text)
{
    if (!text)
        return -1;
    int a = intel_actors_resolve(kb, text);
    return a >= 0 ? a : intel_actors_find_in_text(kb, text);
}

/* The actor a rule is about: an explicit meta value first, then the family, the description,
 * the rule's name, its tags and the name of its file (vendors name files after groups). */
static int rule_actor(const IntelActors *kb, const YR_RULE *rule, const char *file)
{
    static const char *const actor_keys[] = {"actor", "threat_actor", "group", "apt",
                                             "attribution"};
    static const char *const family_keys[] = {"malware_family", "family", "malware"};
    static const char *const text_keys[] = {"description"};
    int a = actor_of_text(kb, meta_string(rule, actor_keys, 5));
    if (a < 0)
        a = actor_of_text(kb, meta_string(rule, family_keys, 3));
    if (a < 0)
        a = actor_of_text(kb, meta_string(rule, text_keys, 1));
    if (a < 0)
        a = intel_actors_find_in_text(kb, rule->identifier);
    const char *tag;
    yr_rule_tags_foreach(rule, tag)
    {
        if (a < 0)
            a = actor_of_text(kb, tag);
    }
    if (a < 0)
        a = intel_actors_find_in_text(kb, file);
    return a;
}

static void info_fill(YaraRuleInfo *info, const IntelActors *kb, const YR_RULE *rule,
                      const char *file)
{
    static const char *const family_keys[] = {"malware_family", "family", "malware"};
    const char *family = meta_string(rule, family_keys, 3);
    info->name = strdup(rule->identifier);
    info->file = strdup(file);
    info->family = family ? strdup(family) : NULL;
    info->sid = rule_sid(file, rule->identifier);
    info->actor = rule_actor(kb, rule, file);
}

static void info_copy(YaraRuleInfo *info, const YaraRuleInfo *from)
{
    *info = *from;
    info->name = strdup(from->name);
    info->file = strdup(from->file);
    info->family = from->family ? strdup(from->family) : NULL;
}

/* The non-MZ sets hold rules of the full set (parts[0]), text and meta unchanged, in its
 * order: their info is the full set's, found from a cursor in a pass or two, not resolved
 * again (the actor search through the knowledge base was most of loading a kept entry). */
static const YaraRuleInfo *info_in_first(const YaraRuleSet *set, const YR_RULE *rule,
                                         const char *file, size_t *cursor)
{
    const RulePart *first = &set->parts[0];
    if (set->part_count < 2 || first->scope != YARA_SCOPE_MZ || !first->count)
        return NULL;
    for (size_t k = 0; k < first->count; k++) {
        size_t at = (*cursor + k) % first->count;
        const YaraRuleInfo *i = &first->info[at];
        if (strcmp(i->name, rule->identifier) == 0 && strcmp(i->file, file) == 0) {
            *cursor = at + 1;
            return i;
        }
    }
    return NULL;
}

static int part_add(YaraRuleSet *set, YR_RULES *rules, const char *file_for_all, YaraScope scope)
{
    RulePart *parts = realloc(set->parts, (set->part_count + 1) * sizeof(*parts));
    if (!parts)
        return -1;
    set->parts = parts;
    RulePart *p = &parts[set->part_count++];
    *p = (RulePart){.rules = rules, .scope = scope};
    size_t n = 0;
    const YR_RULE *rule;
    yr_rules_foreach(rules, rule) n++;
    p->info = calloc(n ? n : 1, sizeof(*p->info));
    if (!p->info)
        return -1;
    size_t cursor = 0;
    yr_rules_foreach(rules, rule)
    {
        YaraRuleInfo *info = &p->info[p->count++];
        const char *file = file_for_all ? file_for_all : rule->ns->name;
        const YaraRuleInfo *seen = scope == YARA_SCOPE_NOT_MZ ? info_in_first(set, rule, file,
                                                                             &cursor) : NULL;
        if (seen)
            info_copy(info, seen);
        else
            info_fill(info, set->kb, rule, file);
    }
    if (scope != YARA_SCOPE_NOT_MZ)
        set->rule_count += p->count;  /* the non-MZ set repeats rules of the full one */
    return 0;
}

/* The gated non-MZ part: its rules are scanned only for files in which gate finds a pattern
 * (all files when gate is NULL: no pattern, or Vectorscan could not compile them). Takes
 * gate. */
static int part_add_gated(YaraRuleSet *set, YR_RULES *rules, YaraGate *gate)
{
    if (part_add(set, rules, NULL, YARA_SCOPE_NOT_MZ) != 0) {
        yara_gate_free(gate);
        return -1;
    }
    set->parts[set->part_count - 1].gate = gate;
    return 0;
}

static void load_compiled(YaraRuleSet *set, const char *path, YaraLoadStats *st, LoadCtx *lc)
{
    YR_RULES *rules;
    int rc = yr_rules_load(path, &rules);
    if (rc != ERROR_SUCCESS) {
        char msg[64];
        snprintf(msg, sizeof(msg), "not a usable compiled rule file (libyara error %d)", rc);
        report(lc, path, msg, true);
        st->files_failed++;
        return;
    }
    if (part_add(set, rules, path, YARA_SCOPE_ALL) != 0)
        st->files_failed++;
    set->externals |= YARA_EXTERNAL_FILENAME | YARA_EXTERNAL_FILEPATH | YARA_EXTERNAL_EXTENSION;
}

/* The usual case, every file fine: all of them in one compiler, no compiler per file (those
 * cost a quarter second of page faults for the DPRK pack). Messages (warnings) are held and
 * reported once it succeeded; on an error nothing is kept and load_sources does it file by
 * file. */
static bool load_sources_at_once(YaraRuleSet *set, char **paths, size_t n, LoadCtx *lc,
                                 YaraScope scope)
{
    YR_COMPILER *c = compiler_new(lc);
    bool ok = c != NULL;
    size_t added = 0;
    lc->held = true;
    for (size_t i = 0; ok && i < n; i++) {
        if (paths[i]) {
            ok = add_source(c, paths[i], lc) == 0;
            added++;
        }
    }
    YR_RULES *rules = NULL;
    ok = ok && added && yr_compiler_get_rules(c, &rules) == ERROR_SUCCESS;
    if (c)
        yr_compiler_destroy(c);
    ok = ok && part_add(set, rules, NULL, scope) == 0;
    release_held(lc, ok);
    return ok;
}

/* Compiles every source file that compiles alone into one part; the files that did are
 * left in paths (the others set to NULL). */
static void load_sources(YaraRuleSet *set, char **paths, size_t n, YaraLoadStats *st,
                         LoadCtx *lc, YaraScope scope)
{
    if (load_sources_at_once(set, paths, n, lc, scope))
        return;
    YR_COMPILER *c = compiler_new(lc);
    size_t added = 0;
    for (size_t i = 0; c && i < n; i++) {
        if (!paths[i])
            continue;
        if (!compiles_alone(paths[i], lc)) {
            st->files_failed++;
            free(paths[i]);
            paths[i] = NULL;
            continue;
        }
        lc->quiet = true;
        int rc = add_source(c, paths[i], lc);
        lc->quiet = false;
        if (rc != 0) {
            /* Compiled alone but clashes in the shared compiler: it is now unusable. */
            st->files_failed += (uint32_t)(n - i);
            for (size_t j = i; j < n; j++) {
                free(paths[j]);
                paths[j] = NULL;
            }
            break;
        }
        added++;
    }
    YR_RULES *rules = NULL;
    if (c && added && yr_compiler_get_rules(c, &rules) == ERROR_SUCCESS &&
        part_add(set, rules, NULL, scope))
        st->files_failed += (uint32_t)added;
    if (c)
        yr_compiler_destroy(c);
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
        *len = fread(text, 1, (size_t)size, f);
        text[*len] = '\0';
    }
    fclose(f);
    return text;
}

static bool string_compiles(const char *text, const char *ns, LoadCtx *lc)
{
    YR_COMPILER *probe = compiler_new(lc);
    if (!probe)
        return false;
    bool ok = yr_compiler_add_string(probe, text, ns) == 0;
    yr_compiler_destroy(probe);
    return ok;
}

/* The gated part being built beside the non-MZ set (yara-gate.h). */
typedef struct GateBuild {
    YR_COMPILER *c;
    YaraGatePatterns pats;
    bool failed;
} GateBuild;

/* Source text's rules split: those that need a pattern into the gated compiler, the rest
 * into c; 0 when both took them. */
static int add_gated(YR_COMPILER *c, GateBuild *gb, const char *text, const char *path,
                     YaraLoadStats *st)
{
    char *gated = NULL, *rest = NULL;
    YaraGateStats gs = {0};
    if (!yara_gate_split(text, strlen(text), &gb->pats, &gated, &rest, &gs)) {
        gb->failed = true;
        return -1;
    }
    int rc = rest && yr_compiler_add_string(c, rest, path) != 0 ? -1 : 0;
    if (rc == 0 && gated && yr_compiler_add_string(gb->c, gated, path) != 0)
        rc = -1;
    st->gated += gs.gated;
    free(gated);
    free(rest);
    return rc;
}

/* The non-MZ version of one source file (yara-prefilter.h), or the file itself when it cannot
 * be rewritten; 0 when added to c. probe: compile the rewrite alone first and use the original
 * if it fails (the slow path, after a failed fast build). */
static int add_prefiltered(YR_COMPILER *c, const char *path, bool probe, YaraLoadStats *st,
                           LoadCtx *lc, GateBuild *gb)
{
    size_t len = 0;
    char *text = read_text(path, &len);
    if (!text)
        return -1;
    YaraPrefilterStats ps = {0};
    char *rewritten = yara_prefilter_rewrite(text, len, &ps);
    lc->quiet = true;
    if (rewritten && probe && !string_compiles(rewritten, path, lc)) {
        free(rewritten);  /* not expected: the rewrite only removes; keep the original */
        rewritten = NULL;
        ps = (YaraPrefilterStats){.unchanged_files = 1};
    }
    const char *use = rewritten ? rewritten : text;
    int rc = gb && !probe ? add_gated(c, gb, use, path, st)
                          : yr_compiler_add_string(c, use, path) == 0 ? 0 : -1;
    lc->quiet = false;
    st->mz_only += ps.dropped;
    st->trimmed += ps.trimmed;
    st->unchanged_files += ps.unchanged_files;
    st->pe_files += strstr(use, "import \"pe\"") != NULL;
    free(rewritten);
    free(text);
    return rc;
}

/* Over-approximated from the text (a mention in a comment counts too): a cache keyed on less
 * than what the rules read would be wrong, one keyed on more only hits less. */
static unsigned source_externals(const char *path)
{
    size_t len = 0;
    char *text = read_text(path, &len);
    if (!text)
        return YARA_EXTERNAL_FILENAME | YARA_EXTERNAL_FILEPATH | YARA_EXTERNAL_EXTENSION;
    unsigned e = (strstr(text, "filename") ? YARA_EXTERNAL_FILENAME : 0) |
                 (strstr(text, "filepath") ? YARA_EXTERNAL_FILEPATH : 0) |
                 (strstr(text, "extension") ? YARA_EXTERNAL_EXTENSION : 0);
    free(text);
    return e;
}

/* The second set from the files load_sources took, as a part for non-MZ files; false when
 * some file did not compile (the stats of a failed try are not kept). */
static bool build_prefiltered(YaraRuleSet *set, char **paths, size_t n, bool probe, bool gate,
                              YaraLoadStats *st, LoadCtx *lc)
{
    YaraLoadStats try_st = *st;
    YR_COMPILER *c = compiler_new(lc);
    GateBuild gb = {.c = gate && !probe ? compiler_new(lc) : NULL};
    bool ok = c != NULL && (!gate || probe || gb.c);
    size_t added = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (paths[i]) {
            ok = add_prefiltered(c, paths[i], probe, &try_st, lc, gb.c ? &gb : NULL) == 0;
            added++;
        }
    }
    YR_RULES *rules = NULL, *gated = NULL;
    ok = ok && added && yr_compiler_get_rules(c, &rules) == ERROR_SUCCESS;
    ok = ok && (!gb.c || yr_compiler_get_rules(gb.c, &gated) == ERROR_SUCCESS);
    if (c)
        yr_compiler_destroy(c);
    if (gb.c)
        yr_compiler_destroy(gb.c);
    if (ok && part_add(set, rules, NULL, YARA_SCOPE_NOT_MZ) == 0 &&
        (!gated || part_add_gated(set, gated, yara_gate_compile(&gb.pats)) == 0)) {
        *st = try_st;
        st->gate_patterns = (uint32_t)gb.pats.count;
        yara_gate_patterns_free(&gb.pats);
        return true;
    }
    if (!ok && rules)
        yr_rules_destroy(rules);
    if (!ok && gated)
        yr_rules_destroy(gated);
    yara_gate_patterns_free(&gb.pats);
    return false;
}

/* All rewrites in one compiler (a compiler per file costs a quarter second of page faults
 * for the DPRK pack); only if that fails, file by file, keeping the originals of the
 * rewrites that do not compile; and if even that fails, every file gets the full set. */
static void load_prefiltered(YaraRuleSet *set, char **paths, size_t n, bool gate,
                             YaraLoadStats *st, LoadCtx *lc)
{
    if (build_prefiltered(set, paths, n, false, gate, st, lc) ||
        build_prefiltered(set, paths, n, true, gate, st, lc))
        return;
    for (size_t i = 0; i < set->part_count; i++)
        if (set->parts[i].scope == YARA_SCOPE_MZ)
            set->parts[i].scope = YARA_SCOPE_ALL;
    report(lc, "prefilter", "the rule set for non-MZ files could not be built; all files get "
           "the full set", false);
}

/* Compiled inputs as they are, the sources compiled (and their non-MZ set). */
static void compile_sets(YaraRuleSet *set, FileList *files, const YaraLoadOptions *opts,
                         YaraLoadStats *st, LoadCtx *lc)
{
    for (size_t i = 0; i < files->count; i++) {
        if (is_compiled(files->paths[i])) {
            load_compiled(set, files->paths[i], st, lc);
            free(files->paths[i]);
            files->paths[i] = NULL;
        }
    }
    load_sources(set, files->paths, files->count, st, lc,
                 opts->prefilter ? YARA_SCOPE_MZ : YARA_SCOPE_ALL);
    if (opts->prefilter && set->part_count && set->parts[set->part_count - 1].scope == YARA_SCOPE_MZ)
        load_prefiltered(set, files->paths, files->count, opts->gate, st, lc);
}

/* The gated part's rules and its Vectorscan database (none when it has no gate). */
static bool save_gated(const RulePart *p, const char *dir, const YaraCompiledKey *key)
{
    if (!yara_compiled_save(dir, key, "gated", p->rules))
        return false;
    if (!p->gate)
        return true;
    char *bytes = NULL;
    size_t len = 0;
    bool ok = yara_gate_serialize(p->gate, &bytes, &len) &&
              yara_compiled_save_blob(dir, key, "gate", bytes, len);
    free(bytes);
    return ok;
}

/* Keeps the sets compiled in the usual way: every file, the prefilter's set(s) when asked. */
static void save_entry(const YaraRuleSet *set, const char *dir, const YaraCompiledKey *key,
                       bool prefilter, const YaraLoadStats *st, const char *messages)
{
    YaraScope first = prefilter ? YARA_SCOPE_MZ : YARA_SCOPE_ALL;
    size_t parts = set->part_count;
    bool gated = prefilter && parts == 3 && set->parts[2].scope == YARA_SCOPE_NOT_MZ;
    if (st->files_failed || (parts != (prefilter ? 2u : 1u) && !gated) ||
        set->parts[0].scope != first ||
        (prefilter && set->parts[1].scope != YARA_SCOPE_NOT_MZ))
        return;
    if (!yara_compiled_save(dir, key, "full", set->parts[0].rules) ||
        (prefilter && !yara_compiled_save(dir, key, "nonmz", set->parts[1].rules)) ||
        (gated && !save_gated(&set->parts[2], dir, key)))
        return;
    size_t len = (messages ? strlen(messages) : 0) + 128;
    char *text = malloc(len);
    if (!text)
        return;
    snprintf(text, len, "counts %u %u %u %u %u %u %d %d\n%s", st->mz_only, st->trimmed,
             st->unchanged_files, st->pe_files, st->gated, st->gate_patterns, gated,
             gated && set->parts[2].gate, messages ? messages : "");
    yara_compiled_save_text(dir, key, text);
    free(text);
}

/* ---- compiled sets kept between runs (yara-compiled.h) ---- */

/* The entry key of these files: false when they cannot be kept (a compiled input, a text
 * with a NUL byte, an include, no build id). The prefilter's and the gate's outputs are not
 * hashed: they are functions of the texts and of the code, which the build id stands for. */
static bool kept_key(char *const *paths, size_t n, bool prefilter, bool gate,
                     YaraCompiledKey *key)
{
    char **texts = calloc(n ? n : 1, sizeof(*texts));
    bool ok = texts && n;
    for (size_t i = 0; ok && i < n; i++) {
        size_t len = 0;
        texts[i] = paths[i] && !is_compiled(paths[i]) ? read_text(paths[i], &len) : NULL;
        ok = texts[i] && strlen(texts[i]) == len;
    }
    const char *options = !prefilter ? "no-prefilter" : gate ? "prefilter gate" : "prefilter";
    ok = ok && yara_compiled_key(paths, texts, n, options, key);
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    return ok;
}

/* The kept gated part and its gate; false when something expected is missing or unusable. */
static bool load_gated(const char *dir, const YaraCompiledKey *key, bool has_gate,
                       YR_RULES **rules, YaraGate **gate)
{
    *rules = yara_compiled_load(dir, key, "gated");
    size_t len = 0;
    char *bytes = *rules && has_gate ? yara_compiled_load_blob(dir, key, "gate", &len) : NULL;
    *gate = bytes ? yara_gate_deserialize(bytes, len) : NULL;
    free(bytes);
    if (*rules && (!has_gate || *gate))
        return true;
    if (*rules)
        yr_rules_destroy(*rules);
    yara_gate_free(*gate);
    *rules = NULL;
    *gate = NULL;
    return false;
}

/* The sets of an entry: false, with nothing loaded, when one is missing or unusable. */
static bool load_entry_sets(YaraRuleSet *set, const char *dir, const YaraCompiledKey *key,
                            bool prefilter, int gated, int has_gate)
{
    YR_RULES *full = yara_compiled_load(dir, key, "full");
    YR_RULES *nonmz = prefilter && full ? yara_compiled_load(dir, key, "nonmz") : NULL;
    YR_RULES *gated_rules = NULL;
    YaraGate *gate = NULL;
    if (!full || (prefilter && !nonmz) ||
        (gated && !load_gated(dir, key, has_gate, &gated_rules, &gate))) {
        if (full)
            yr_rules_destroy(full);
        if (nonmz)
            yr_rules_destroy(nonmz);
        return false;
    }
    part_add(set, full, NULL, prefilter ? YARA_SCOPE_MZ : YARA_SCOPE_ALL);  /* owned by set */
    if (nonmz)
        part_add(set, nonmz, NULL, YARA_SCOPE_NOT_MZ);
    if (gated_rules)
        part_add_gated(set, gated_rules, gate);
    return true;
}

/* The sets of a kept entry, with the counts and messages of the run that compiled them. */
static bool load_entry(YaraRuleSet *set, const char *dir, const YaraCompiledKey *key,
                       bool prefilter, YaraLoadStats *st, LoadCtx *lc)
{
    char *text = yara_compiled_load_text(dir, key);
    unsigned mz_only, trimmed, unchanged, pe, gated_rules, patterns;
    int gated, has_gate, used = 0;
    if (!text || sscanf(text, "counts %u %u %u %u %u %u %d %d\n%n", &mz_only, &trimmed,
                        &unchanged, &pe, &gated_rules, &patterns, &gated, &has_gate,
                        &used) != 8 || !used ||
        !load_entry_sets(set, dir, key, prefilter, gated, has_gate)) {
        free(text);
        return false;
    }
    *st = (YaraLoadStats){.files = st->files, .mz_only = mz_only, .trimmed = trimmed,
                          .unchanged_files = unchanged, .pe_files = pe, .gated = gated_rules,
                          .gate_patterns = patterns, .kept = true};
    replay(lc, text + used);
    free(text);
    return true;
}

static bool load_kept(YaraRuleSet *set, FileList *files, const YaraLoadOptions *opts,
                      YaraLoadStats *st, LoadCtx *lc)
{
    const char *dir = opts->compiled_dir;
    YaraCompiledKey key;
    if (!dir || !*dir || lc->errors || !yara_compiled_dir_usable(dir) ||
        !kept_key(files->paths, files->count, opts->prefilter, opts->gate, &key))
        return false;
    if (load_entry(set, dir, &key, opts->prefilter, st, lc))
        return true;
    lc->recording = true;
    compile_sets(set, files, opts, st, lc);
    lc->recording = false;
    save_entry(set, dir, &key, opts->prefilter, st, lc->record_text);
    yara_compiled_prune(dir, YARA_KEPT_DAYS);
    free(lc->record_text);
    lc->record_text = NULL;
    return true;
}

YaraRuleSet *yara_rules_load(const char *const *paths, size_t count, const IntelActors *kb,
                             YaraLoadStats *stats, YaraReportFn report_fn, void *ud)
{
    const YaraLoadOptions defaults = {.prefilter = true, .gate = true};
    return yara_rules_load_opts(paths, count, kb, &defaults, stats, report_fn, ud);
}

YaraRuleSet *yara_rules_load_opts(const char *const *paths, size_t count, const IntelActors *kb,
                                  const YaraLoadOptions *opts, YaraLoadStats *stats,
                                  YaraReportFn report_fn, void *ud)
{
    YaraLoadStats local;
    YaraLoadStats *st = stats ? stats : &local;
    memset(st, 0, sizeof(*st));
    LoadCtx lc = {.report = report_fn, .ud = ud};
    YaraRuleSet *set = calloc(1, sizeof(*set));
    if (!set || yara_library_init() != 0) {
        free(set);
        return NULL;
    }
    set->kb = kb;
    FileList files = {0};
    for (size_t i = 0; i < count; i++)
        collect(&files, paths[i], 0, &lc);
    st->files = (uint32_t)files.count;
    st->files_failed = (uint32_t)lc.errors;
    if (!load_kept(set, &files, opts, st, &lc))
        compile_sets(set, &files, opts, st, &lc);
    for (size_t i = 0; i < files.count; i++)
        if (files.paths[i])
            set->externals |= source_externals(files.paths[i]);
    for (size_t i = 0; i < files.count; i++)
        free(files.paths[i]);
    free(files.paths);
    st->rules = (uint32_t)set->rule_count;
    if (!set->rule_count) {
        yara_rules_free(set);
        return NULL;
    }
    return set;
}

void yara_rules_free(YaraRuleSet *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->part_count; i++) {
        RulePart *p = &set->parts[i];
        for (size_t r = 0; r < p->count; r++) {
            free(p->info[r].name);
            free(p->info[r].file);
            free(p->info[r].family);
        }
        free(p->info);
        if (p->rules)
            yr_rules_destroy(p->rules);
        yara_gate_free(p->gate);
    }
    free(set->parts);
    free(set);
    yara_library_fini();
}

size_t yara_rules_count(const YaraRuleSet *set)
{
    return set ? set->rule_count : 0;
}

const IntelActors *yara_rules_actors(const YaraRuleSet *set)
{
    return set ? set->kb : NULL;
}

size_t yara_rules_parts(const YaraRuleSet *set)
{
    return set ? set->part_count : 0;
}

YR_RULES *yara_rules_part(const YaraRuleSet *set, size_t i)
{
    return set->parts[i].rules;
}

const YaraRuleInfo *yara_rules_info(const YaraRuleSet *set, size_t part, const YR_RULE *rule)
{
    const RulePart *p = &set->parts[part];
    ptrdiff_t idx = rule - p->rules->rules_table;
    return idx >= 0 && (size_t)idx < p->count ? &p->info[idx] : NULL;
}

bool yara_rules_part_applies(const YaraRuleSet *set, size_t i, bool mz)
{
    YaraScope scope = set->parts[i].scope;
    return scope == YARA_SCOPE_ALL || (scope == YARA_SCOPE_MZ) == mz;
}

const YaraGate *yara_rules_part_gate(const YaraRuleSet *set, size_t i)
{
    return set->parts[i].gate;
}

bool yara_rules_part_empty(const YaraRuleSet *set, size_t i)
{
    return set->parts[i].count == 0;
}

unsigned yara_rules_externals(const YaraRuleSet *set)
{
    return set->externals;
}
