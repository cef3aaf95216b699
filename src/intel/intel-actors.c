/*
 * intel-actors.c - the actor knowledge base: canonical names, MITRE group ids, aliases.
 *
 * data/actors.json is built by tools/build-actors from ATT&CK and the MISP galaxy. Aliases
 * are compared after folding case and dropping everything but letters and digits, the same
 * rule the builder used to keep each alias with one actor, so "APT 38", "apt38" and "APT-38"
 * are one name. Resolution is a binary search over the sorted folded aliases.
 */
#include "intel/intel.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct AliasEntry {
    char *folded;      /* letters and digits, lower-case */
    char *lowered;     /* lower-case as written, for searching text */
    int actor;
} AliasEntry;

struct IntelActors {
    IntelActor *actors;
    size_t count;
    AliasEntry *aliases;
    size_t alias_count;
};

static char *fold(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    size_t n = 0;
    for (; out && *s; s++)
        if (isalnum((unsigned char)*s))
            out[n++] = (char)tolower((unsigned char)*s);
    if (out)
        out[n] = '\0';
    return out;
}

static char *lower(const char *s)
{
    char *out = strdup(s);
    for (char *c = out; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return out;
}

static void add_alias(IntelActors *kb, const char *alias, int actor)
{
    AliasEntry *grown = realloc(kb->aliases, (kb->alias_count + 1) * sizeof(AliasEntry));
    if (!grown)
        return;
    kb->aliases = grown;
    kb->aliases[kb->alias_count++] = (AliasEntry){fold(alias), lower(alias), actor};
}

static int compare_alias(const void *a, const void *b)
{
    return strcmp(((const AliasEntry *)a)->folded, ((const AliasEntry *)b)->folded);
}

static void load_actor(IntelActors *kb, json_t *obj)
{
    IntelActor *a = &kb->actors[kb->count];
    const char *name = json_string_value(json_object_get(obj, "name"));
    const char *gid = json_string_value(json_object_get(obj, "mitre_group_id"));
    if (!name)
        return;
    a->name = strdup(name);
    a->mitre_group_id = gid ? strdup(gid) : NULL;
    json_t *techniques = json_object_get(obj, "techniques");
    a->technique_count = json_array_size(techniques);
    a->techniques = calloc(a->technique_count ? a->technique_count : 1, sizeof(char *));
    for (size_t i = 0; i < a->technique_count; i++)
        a->techniques[i] = strdup(json_string_value(json_array_get(techniques, i)));
    int id = (int)kb->count++;
    add_alias(kb, name, id);
    if (gid)
        add_alias(kb, gid, id);
    size_t i;
    json_t *alias;
    json_array_foreach(json_object_get(obj, "aliases"), i, alias)
        if (json_is_string(alias))
            add_alias(kb, json_string_value(alias), id);
}

IntelActors *intel_actors_load(const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        return NULL;
    }
    json_t *list = json_object_get(root, "actors");
    IntelActors *kb = calloc(1, sizeof(*kb));
    kb->actors = calloc(json_array_size(list) + 1, sizeof(IntelActor));
    size_t i;
    json_t *obj;
    json_array_foreach(list, i, obj)
        load_actor(kb, obj);
    json_decref(root);
    qsort(kb->aliases, kb->alias_count, sizeof(AliasEntry), compare_alias);
    if (kb->count == 0) {
        snprintf(err, errlen, "%s: no actors", path);
        intel_actors_free(kb);
        return NULL;
    }
    return kb;
}

void intel_actors_free(IntelActors *kb)
{
    if (!kb)
        return;
    for (size_t i = 0; i < kb->count; i++) {
        free(kb->actors[i].name);
        free(kb->actors[i].mitre_group_id);
        for (size_t t = 0; t < kb->actors[i].technique_count; t++)
            free(kb->actors[i].techniques[t]);
        free(kb->actors[i].techniques);
    }
    for (size_t i = 0; i < kb->alias_count; i++) {
        free(kb->aliases[i].folded);
        free(kb->aliases[i].lowered);
    }
    free(kb->aliases);
    free(kb->actors);
    free(kb);
}

int intel_actors_resolve(const IntelActors *kb, const char *alias)
{
    if (!kb || !alias || !*alias)
        return -1;
    char *folded = fold(alias);
    AliasEntry probe = {.folded = folded};
    const AliasEntry *hit =
        bsearch(&probe, kb->aliases, kb->alias_count, sizeof(AliasEntry), compare_alias);
    free(folded);
    return hit ? hit->actor : -1;
}

static bool word_boundary(const char *text, const char *start, size_t len)
{
    bool left = start == text || !isalnum((unsigned char)start[-1]);
    bool right = !isalnum((unsigned char)start[len]);
    return left && right;
}

/* Aliases shorter than this are too ambiguous to find inside free text ("GOP", "ATK3"). */
#define MIN_TEXT_ALIAS 5

int intel_actors_find_in_text(const IntelActors *kb, const char *text)
{
    if (!kb || !text)
        return -1;
    char *haystack = lower(text);
    int found = -1;
    for (size_t i = 0; haystack && found < 0 && i < kb->alias_count; i++) {
        const AliasEntry *a = &kb->aliases[i];
        size_t len = strlen(a->lowered);
        if (len < MIN_TEXT_ALIAS)
            continue;
        for (const char *hit = strstr(haystack, a->lowered); hit; hit = strstr(hit + 1, a->lowered)) {
            if (word_boundary(haystack, hit, len)) {
                found = a->actor;
                break;
            }
        }
    }
    free(haystack);
    return found;
}

const IntelActor *intel_actor(const IntelActors *kb, int id)
{
    return kb && id >= 0 && (size_t)id < kb->count ? &kb->actors[id] : NULL;
}

size_t intel_actor_count(const IntelActors *kb)
{
    return kb ? kb->count : 0;
}
