/*
 * detect-classification.h - classification.config (see detect-classification.c).
 */
#ifndef BONGSU_DETECT_CLASSIFICATION_H
#define BONGSU_DETECT_CLASSIFICATION_H

typedef struct Classification {
    char *name;
    char *description;
    int priority;
} Classification;

int classification_load(const char *path);
const Classification *classification_find(const char *name);
void classification_reset(void);

#endif
