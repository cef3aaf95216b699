/*
 * settings.h - from the configuration tree (Suricata-style YAML plus --set) to the typed
 * EngineSettings the engine runs with. Keys and defaults are Suricata's.
 */
#ifndef BONGSU_SETTINGS_H
#define BONGSU_SETTINGS_H

#include "config/config.h"
#include "runtime/engine.h"

/* log_dir is where relative output filenames go. Returns 0, or -1 with err filled. */
int settings_from_conf(const ConfNode *conf, const char *log_dir, EngineSettings *s, char *err,
                       size_t errlen);

#endif
