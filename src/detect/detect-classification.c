/*
 * detect-classification.c - classification.config: classtype name -> description, priority.
 *
 * The file is Suricata's format, one "config classification: name,description,priority" per
 * line. It is loaded once before rules are parsed; alerts show the description as category.
 */
#include "detect/detect-classification.h"
#include "common/textutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define MAX_CLASSES 512

static Classification classes[MAX_CLASSES];
static int class_count;

static void add_class(char *line, const char *path, int lineno)
{
    char *name = strtok(line, ",");
    char *desc = strtok(NULL, ",");
    char *prio = strtok(NULL, ",");
    if (!name || !desc || !prio) {
        log_warning("%s:%d: classification needs name,description,priority", path, lineno);
        return;
    }
    if (class_count >= MAX_CLASSES)
        return;
    Classification *c = &classes[class_count++];
    c->name = strdup(text_trim(name));
    c->description = strdup(text_trim(desc));
    c->priority = atoi(text_trim(prio));
}

int classification_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int lineno = 0;
    static const char prefix[] = "config classification:";
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *s = text_trim(line);
        if (strncmp(s, prefix, sizeof(prefix) - 1) == 0)
            add_class(s + sizeof(prefix) - 1, path, lineno);
    }
    fclose(f);
    return 0;
}

const Classification *classification_find(const char *name)
{
    for (int i = 0; i < class_count; i++)
        if (strcasecmp(classes[i].name, name) == 0)
            return &classes[i];
    return NULL;
}

void classification_reset(void)
{
    for (int i = 0; i < class_count; i++) {
        free(classes[i].name);
        free(classes[i].description);
    }
    class_count = 0;
}
