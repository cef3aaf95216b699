/*
 * actors.c — optional reference data about threat actors, loaded from a STIX 2.1 bundle
 * (for instance MITRE ATT&CK's intrusion-sets, shared/data/intel/mitre-attack/) with
 * `bongsu-hub serve --actors FILE`.
 *
 * Sensors attribute events by the name they put in alert.metadata.actor; analysts know
 * actors by many names (Lazarus Group = HIDDEN COBRA = Diamond Sleet ...). This table maps
 * every name and alias, case-insensitively, to one entry with the canonical name, the
 * aliases, the ATT&CK group id and description, and also maps technique ids to their
 * names so the actor page can say what T1071.001 is. It is read once at start-up and
 * never changed, so request threads share it without locking.
 */
#include "api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct hub_actor_db {
    json_t *by_name;    /* lower-cased name or alias -> entry */
    json_t *techniques; /* "T1071.001" -> "Web Protocols" */
};

static void lower(const char *s, char *out, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

static const char *mitre_id(json_t *obj)
{
    json_t *refs = json_object_get(obj, "external_references"), *r;
    size_t i;
    json_array_foreach(refs, i, r)
    {
        const char *src = json_string_value(json_object_get(r, "source_name"));
        if (src && strcmp(src, "mitre-attack") == 0)
            return json_string_value(json_object_get(r, "external_id"));
    }
    return NULL;
}

static void add_set(hub_actor_db *db, json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!name)
        return;
    json_t *aliases = json_object_get(o, "aliases");
    const char *gid = mitre_id(o), *desc = json_string_value(json_object_get(o, "description"));
    json_t *e = json_pack("{s:s,s:o,s:s?,s:s?}", "name", name, "aliases",
                          json_is_array(aliases) ? json_deep_copy(aliases) : json_array(),
                          "mitre_id", gid, "description", desc);
    if (!e)
        return;
    char key[256];
    lower(name, key, sizeof key);
    json_object_set(db->by_name, key, e);
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
        if (json_is_string(a)) {
            lower(json_string_value(a), key, sizeof key);
            if (!json_object_get(db->by_name, key))
                json_object_set(db->by_name, key, e);
        }
    json_decref(e);
}

hub_actor_db *hub_actor_db_load(const char *path)
{
    json_error_t err;
    json_t *bundle = json_load_file(path, 0, &err);
    if (!bundle) {
        hub_log("--actors %s: line %d: %s", path, err.line, err.text);
        return NULL;
    }
    hub_actor_db *db = calloc(1, sizeof *db);
    if (!db) {
        json_decref(bundle);
        return NULL;
    }
    db->by_name = json_object();
    db->techniques = json_object();
    json_t *o;
    size_t i;
    json_array_foreach(json_object_get(bundle, "objects"), i, o)
    {
        const char *type = json_string_value(json_object_get(o, "type"));
        if (type && strcmp(type, "intrusion-set") == 0) {
            add_set(db, o);
        } else if (type && strcmp(type, "attack-pattern") == 0) {
            const char *tid = mitre_id(o), *name = json_string_value(json_object_get(o, "name"));
            if (tid && name)
                json_object_set_new(db->techniques, tid, json_string(name));
        }
    }
    json_decref(bundle);
    hub_log("loaded %zu actor names and %zu techniques from %s",
            json_object_size(db->by_name), json_object_size(db->techniques), path);
    return db;
}

void hub_actor_db_free(hub_actor_db *db)
{
    if (!db)
        return;
    json_decref(db->by_name);
    json_decref(db->techniques);
    free(db);
}

json_t *hub_actor_db_find(const hub_actor_db *db, const char *name)
{
    char key[256];
    if (!db || !name)
        return NULL;
    lower(name, key, sizeof key);
    return json_object_get(db->by_name, key);
}

const char *hub_actor_db_technique(const hub_actor_db *db, const char *tid)
{
    return db ? json_string_value(json_object_get(db->techniques, tid)) : NULL;
}
