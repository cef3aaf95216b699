/*
 * main.c — the bongsu-hub command line: serve, token create/revoke/list, ingest, worker.
 *
 * Token creation prints the token exactly once, alone on the last line of stdout, so a
 * script can take it with `tail -n1`; everything else goes to stderr. The database is
 * created on first use by whichever command runs first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ingest.h"
#include "server.h"
#include "worker.h"

static void usage(FILE *f)
{
    fputs("usage:\n"
          "  bongsu-hub serve [--listen HOST:PORT] [--db FILE] [--tls-cert PEM --tls-key PEM]\n"
          "                   [--max-body BYTES] [--rate REQ_PER_S] [--burst N] [--threads N]\n"
          "                   [--tlp clear|green|amber|red] [--org NAME] [--actors STIX.json]\n"
          "                   [--redis redis://HOST:PORT [--stream KEY]]  (ingest feeds the\n"
          "                   stream for workers instead of writing to the store)\n"
          "  bongsu-hub token create --name NAME --role sensor|analyst|partner|admin "
          "[--db FILE]\n"
          "  bongsu-hub token revoke NAME [--db FILE]\n"
          "  bongsu-hub token list [--db FILE]\n"
          "  bongsu-hub ingest --sensor NAME [--db FILE] EVE.json...   ('-' reads stdin)\n"
          "  bongsu-hub worker --redis redis://HOST:PORT --stream KEY --group NAME --name ID\n"
          "                    [--db FILE|URL] [--batch N] [--claim-idle-ms MS]\n"
          "                    [--retention-days N]\n"
          "--db is a SQLite file (default hub.db) or postgresql://user@host:port/db\n",
          f);
}

static bool parse_num(const char *s, double min, double max, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int cmd_serve(int argc, char **argv)
{
    hub_server_opts o = {.listen = "127.0.0.1:8640", .db_path = "hub.db", .stream = "bongsu:events",
                         .max_body = 16u << 20, .rate = 50, .burst = 100, .threads = 8,
                         .exp = {.tlp = "amber", .org_name = "bongsu national hub"}};
    static const struct option opts[] = {
        {"listen", 1, 0, 'l'}, {"db", 1, 0, 'd'},     {"tls-cert", 1, 0, 'c'},
        {"tls-key", 1, 0, 'k'}, {"max-body", 1, 0, 'm'}, {"rate", 1, 0, 'r'},
        {"burst", 1, 0, 'b'},  {"threads", 1, 0, 't'}, {"tlp", 1, 0, 'T'},
        {"org", 1, 0, 'o'},    {"actors", 1, 0, 'a'}, {"redis", 1, 0, 'R'},
        {"stream", 1, 0, 'S'}, {0, 0, 0, 0}};
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': o.listen = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'c': o.tls_cert = optarg; break;
        case 'k': o.tls_key = optarg; break;
        case 'T': o.exp.tlp = optarg; break;
        case 'o': o.exp.org_name = optarg; break;
        case 'a': o.actors_path = optarg; break;
        case 'R': o.redis_url = optarg; break;
        case 'S': o.stream = optarg; break;
        case 'm':
            if (!parse_num(optarg, 1024, 1u << 30, &v))
                goto bad;
            o.max_body = (size_t)v;
            break;
        case 'r':
            if (!parse_num(optarg, 0, 1e6, &o.rate))
                goto bad;
            break;
        case 'b':
            if (!parse_num(optarg, 1, 1e6, &o.burst))
                goto bad;
            break;
        case 't':
            if (!parse_num(optarg, 1, 256, &v))
                goto bad;
            o.threads = (unsigned)v;
            break;
        default: goto bad;
        }
    }
    if (strcmp(o.exp.tlp, "clear") && strcmp(o.exp.tlp, "white") && strcmp(o.exp.tlp, "green") &&
        strcmp(o.exp.tlp, "amber") && strcmp(o.exp.tlp, "red"))
        goto bad;
    return hub_serve(&o);
bad:
    usage(stderr);
    return 2;
}

static int print_token(const char *name, hub_role role, int64_t created, bool revoked,
                       void *ud)
{
    (void)ud;
    char t[40];
    hub_time_format(created, t, sizeof t);
    printf("%-24s %-8s %s%s\n", name, hub_role_name(role), t, revoked ? " revoked" : "");
    return 0;
}

static int token_run(const char *sub, const char *db, const char *name, hub_role role)
{
    hub_store *s;
    if (hub_store_open(db, &s) != HUB_OK)
        return 1;
    hub_status st = HUB_OK;
    if (strcmp(sub, "create") == 0) {
        char tok[HUB_TOKEN_LEN + 1];
        st = hub_token_create(s, name, role, tok);
        if (st == HUB_OK) {
            fprintf(stderr, "created %s token '%s'; it is shown only once:\n",
                    hub_role_name(role), name);
            printf("%s\n", tok);
        }
    } else if (strcmp(sub, "revoke") == 0) {
        st = hub_store_token_revoke(s, name);
        if (st == HUB_OK)
            fprintf(stderr, "revoked token '%s'\n", name);
    } else {
        st = hub_store_token_list(s, print_token, NULL);
    }
    hub_store_close(s);
    if (st != HUB_OK)
        fprintf(stderr, "bongsu-hub: token %s: %s\n", sub, hub_status_str(st));
    return st == HUB_OK ? 0 : 1;
}

static int cmd_token(int argc, char **argv)
{
    if (argc < 2)
        goto bad;
    const char *sub = argv[1], *db = "hub.db", *name = NULL;
    hub_role role = HUB_ROLE_NONE;
    static const struct option opts[] = {
        {"name", 1, 0, 'n'}, {"role", 1, 0, 'r'}, {"db", 1, 0, 'd'}, {0, 0, 0, 0}};
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'd': db = optarg; break;
        case 'r':
            if ((role = hub_role_parse(optarg)) == HUB_ROLE_NONE)
                goto bad;
            break;
        default: goto bad;
        }
    }
    if (!name && optind < argc)
        name = argv[optind];
    bool create = strcmp(sub, "create") == 0, revoke = strcmp(sub, "revoke") == 0;
    if ((!create && !revoke && strcmp(sub, "list") != 0) || ((create || revoke) && !name) ||
        (create && role == HUB_ROLE_NONE))
        goto bad;
    if (name && !hub_token_name_valid(name)) {
        fprintf(stderr, "bongsu-hub: token names are 1-64 of [A-Za-z0-9._-]\n");
        return 2;
    }
    return token_run(sub, db, name, role);
bad:
    usage(stderr);
    return 2;
}

static int ingest_one(hub_store *s, const char *sensor, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t acc = 0, rej = 0;
    fprintf(stderr, "%s:\n", path);
    hub_status st = hub_ingest_file(s, sensor, f, 10000, stderr, &acc, &rej);
    if (f != stdin)
        fclose(f);
    printf("%s: accepted %zu, rejected %zu%s\n", path, acc, rej,
           st == HUB_OK ? "" : " (stopped: storage error)");
    return st == HUB_OK ? 0 : 1;
}

static int cmd_ingest(int argc, char **argv)
{
    const char *db = "hub.db", *sensor = NULL;
    static const struct option opts[] = {{"db", 1, 0, 'd'}, {"sensor", 1, 0, 's'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 's')
            sensor = optarg;
        else
            goto bad;
    }
    if (!sensor || optind >= argc || !hub_token_name_valid(sensor))
        goto bad;
    hub_store *s;
    if (hub_store_open(db, &s) != HUB_OK)
        return 1;
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        rc = ingest_one(s, sensor, argv[i]);
    hub_store_close(s);
    return rc;
bad:
    usage(stderr);
    return 2;
}

static int cmd_worker(int argc, char **argv)
{
    hub_worker_opts o = {.stream = "bongsu:events", .group = "hub", .db_path = "hub.db",
                         .batch = 1000, .claim_idle_ms = 30000};
    static const struct option opts[] = {
        {"redis", 1, 0, 'r'}, {"stream", 1, 0, 's'},        {"group", 1, 0, 'g'},
        {"name", 1, 0, 'n'},  {"db", 1, 0, 'd'},            {"batch", 1, 0, 'b'},
        {"claim-idle-ms", 1, 0, 'i'}, {"retention-days", 1, 0, 'R'}, {0, 0, 0, 0}};
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': o.redis_url = optarg; break;
        case 's': o.stream = optarg; break;
        case 'g': o.group = optarg; break;
        case 'n': o.name = optarg; break;
        case 'd': o.db_path = optarg; break;
        case 'b':
            if (!parse_num(optarg, 1, 100000, &v))
                goto bad;
            o.batch = (unsigned)v;
            break;
        case 'i':
            if (!parse_num(optarg, 10, 86400000, &v))
                goto bad;
            o.claim_idle_ms = (unsigned)v;
            break;
        case 'R':
            if (!parse_num(optarg, 0, 100000, &v))
                goto bad;
            o.retention_days = (unsigned)v;
            break;
        default: goto bad;
        }
    }
    if (!o.redis_url || !o.name || !hub_token_name_valid(o.name))
        goto bad;
    return hub_worker_run(&o);
bad:
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc - 1, argv + 1);
    if (strcmp(cmd, "ingest") == 0)
        return cmd_ingest(argc - 1, argv + 1);
    if (strcmp(cmd, "worker") == 0)
        return cmd_worker(argc - 1, argv + 1);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
