/*
 * detect-geoip.h - the geoip keyword's database (geoip-database), set at each rule load.
 */
#ifndef BONGSU_DETECT_GEOIP_H
#define BONGSU_DETECT_GEOIP_H

/* The MaxMind database geoip rules use (NULL: none; such rules then fail to load). It is
 * opened on the first geoip rule. */
void detect_geoip_configure(const char *path);

#endif
