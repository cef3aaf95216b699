/* stix.c — placeholder, replaced below. */
#include "api.h"
void hub_api_stix(hub_store *s, const hub_export_opts *o, const hub_params *p, hub_reply *r)
{
    (void)s, (void)o, (void)p;
    hub_reply_error(r, 501, "not_implemented", "not yet");
}
void hub_api_taxii(hub_store *s, const hub_export_opts *o, const char *path,
                   const hub_params *p, hub_reply *r)
{
    (void)s, (void)o, (void)p, (void)path;
    hub_reply_error(r, 501, "not_implemented", "not yet");
}
