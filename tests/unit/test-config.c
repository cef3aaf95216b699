/*
 * test-config.c — unit tests for src/config: the built-in defaults (values and stock layout),
 * dotted lookup and sequences, --set, merging files and includes, value parsing, error
 * locations, limits, unknown-key reporting, and loading every conformance case's suricata.yaml
 * (and, where the reference install is present, Suricata's stock suricata.yaml).
 *
 * Files are written to a private temporary directory so tests never depend on the working
 * directory ctest picks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

#ifndef TESTS_DATA_DIR
#define TESTS_DATA_DIR "tests/data"
#endif
#define STOCK_YAML "/opt/reference-suricata/etc/suricata/suricata.yaml"

/* ---- helpers ----------------------------------------------------------------------------- */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/bongsu-test-config-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write text to tmpdir/name; returns the full path (static buffer rotation of 4). */
static const char *write_tmp(const char *name, const char *text)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static ConfNode *load_str(const char *yaml)
{
    ConfNode *root = conf_new_empty();
    char err[512] = "";
    int rc = conf_load_string(root, yaml, "t.yaml", err, sizeof(err));
    if (rc != 0)
        fail_msg("load failed: %s", err);
    return root;
}

static char *dump_to_string(const ConfNode *root)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    conf_dump(root, f);
    fclose(f);
    return buf;
}

typedef struct {
    char keys[64][256];
    int n;
} Unknowns;

static void collect_unknown(const char *key, void *ud)
{
    Unknowns *u = ud;
    if (u->n < 64)
        snprintf(u->keys[u->n], sizeof(u->keys[0]), "%s", key);
    u->n++;
}

static bool has_key(const Unknowns *u, const char *key)
{
    for (int i = 0; i < u->n && i < 64; i++)
        if (strcmp(u->keys[i], key) == 0)
            return true;
    return false;
}

/* The name an eve-log type item stands for: `- flow` or `- flow: {...}`. */
static const char *item_name(const ConfNode *item)
{
    if (conf_node_count(item) == 0)
        return conf_node_value(item);
    return conf_node_name(conf_node_child(item, 0));
}

/* ---- defaults ---------------------------------------------------------------------------- */

static void test_defaults_values(void **state)
{
    (void)state;
    ConfNode *c = conf_new_default();
    assert_string_equal(conf_get(c, "default-log-dir"), ".");
    assert_true(conf_get_bool(c, "stats.enabled", false));
    assert_int_equal(conf_get_int(c, "stats.interval", 0), 8);
    assert_false(conf_get_bool(c, "outputs.0.fast.enabled", true));
    assert_true(conf_get_bool(c, "outputs.1.eve-log.enabled", false));
    assert_string_equal(conf_get(c, "outputs.1.eve-log.filename"), "eve.json");
    assert_string_equal(conf_get(c, "outputs.1.eve-log.filetype"), "regular");
    assert_false(conf_get_bool(c, "outputs.1.eve-log.community-id", true));
    assert_int_equal(conf_get_int(c, "outputs.1.eve-log.community-id-seed", 9), 0);
    assert_true(conf_get_bool(c, "outputs.1.eve-log.types.2.anomaly.enabled", false));
    assert_false(conf_get_bool(c, "outputs.1.eve-log.types.2.anomaly.types.stream", true));
    assert_false(conf_get_bool(c, "outputs.1.eve-log.types.2.anomaly.types.decode", true));
    assert_true(conf_get_bool(c, "outputs.1.eve-log.types.2.anomaly.types.applayer", false));
    assert_true(conf_get_bool(c, "outputs.1.eve-log.types.3.http.extended", false));
    assert_string_equal(conf_get(c, "pcap-file.checksum-checks"), "auto");
    assert_int_equal(conf_get_size(c, "defrag.memcap", 0), 32u << 20);
    assert_int_equal(conf_get_int(c, "defrag.timeout", 0), 60);
    assert_int_equal(conf_get_size(c, "flow.memcap", 0), 128u << 20);
    assert_int_equal(conf_get_int(c, "flow.hash-size", 0), 65536);
    assert_int_equal(conf_get_int(c, "flow.prealloc", 0), 10000);
    assert_int_equal(conf_get_int(c, "flow.emergency-recovery", 0), 30);
    assert_int_equal(conf_get_int(c, "flow-timeouts.tcp.established", 0), 600);
    assert_int_equal(conf_get_int(c, "flow-timeouts.tcp.emergency-new", 0), 5);
    assert_int_equal(conf_get_int(c, "flow-timeouts.udp.established", 0), 300);
    assert_int_equal(conf_get_int(c, "flow-timeouts.default.closed", 9), 0);
    assert_int_equal(conf_get_size(c, "stream.memcap", 0), 64u << 20);
    assert_true(conf_get_bool(c, "stream.checksum-validation", false));
    assert_int_equal(conf_get_size(c, "stream.reassembly.memcap", 0), 256u << 20);
    assert_int_equal(conf_get_size(c, "stream.reassembly.depth", 0), 1u << 20);
    assert_int_equal(conf_get_int(c, "stream.reassembly.toserver-chunk-size", 0), 2560);
    assert_string_equal(conf_get(c, "runmode"), "workers");
    assert_int_equal(conf_get_int(c, "max-pending-packets", 0), 1024);
    assert_string_equal(conf_get(c, "app-layer.protocols.tls.detection-ports.dp"), "443");
    assert_string_equal(conf_get(c, "app-layer.protocols.dns.udp.detection-ports.dp"), "53");
    assert_true(conf_get_bool(c, "app-layer.protocols.http.enabled", false));
    assert_string_equal(conf_get(c, "vars.address-groups.HOME_NET"),
                        "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
    assert_string_equal(conf_get(c, "vars.address-groups.EXTERNAL_NET"), "!$HOME_NET");
    assert_string_equal(conf_get(c, "vars.port-groups.HTTP_PORTS"), "80");
    assert_string_equal(conf_get(c, "host-os-policy.windows.0"), "0.0.0.0/0");
    assert_true(conf_node_is_sequence(conf_node(c, "intel.files")));
    assert_int_equal(conf_node_count(conf_node(c, "intel.files")), 0);
    assert_true(conf_node_is_sequence(conf_node(c, "yara.rules")));
    assert_true(conf_get_bool(c, "ddos.enabled", false));
    assert_non_null(conf_get(c, "classification-file"));
    assert_non_null(conf_get(c, "reference-config-file"));
    assert_non_null(conf_get(c, "threshold-file"));
    conf_free(c);
}

/* The stock order of outputs and eve-log types: harnesses address them by index. */
static void test_defaults_stock_layout(void **state)
{
    (void)state;
    static const char *const outputs[] = {"fast",      "eve-log",   "http-log", "tls-log",
                                          "tls-store", "pcap-log",  "alert-debug", "stats",
                                          "syslog",    "file-store", "tcp-data", "http-body-data",
                                          "lua"};
    static const char *const types[] = {
        "alert", "frame", "anomaly", "http", "dns", "tls",  "files", "smtp", "ftp", "rdp",
        "nfs",   "smb",   "tftp",    "ike",  "dcerpc", "krb5", "bittorrent-dht", "snmp", "rfb",
        "sip",   "quic",  "dhcp",    "ssh",  "mqtt", "http2", "pgsql", "stats", "flow"};
    ConfNode *c = conf_new_default();
    const ConfNode *outs = conf_node(c, "outputs");
    assert_true(conf_node_is_sequence(outs));
    assert_int_equal(conf_node_count(outs), sizeof(outputs) / sizeof(outputs[0]));
    for (size_t i = 0; i < conf_node_count(outs); i++)
        assert_string_equal(item_name(conf_node_child(outs, i)), outputs[i]);
    const ConfNode *t = conf_node(c, "outputs.1.eve-log.types");
    assert_int_equal(conf_node_count(t), sizeof(types) / sizeof(types[0]));
    for (size_t i = 0; i < conf_node_count(t); i++)
        assert_string_equal(item_name(conf_node_child(t, i)), types[i]);
    conf_free(c);
}

/* Every scalar of the defaults equals the stock file's, except the documented departures. */
static void test_defaults_match_stock(void **state)
{
    (void)state;
    if (access(STOCK_YAML, R_OK) != 0)
        skip();
    static const char *const departures[] = {
        "default-log-dir", "outputs.0.fast.enabled", "outputs.7.stats.enabled",
        "logging.outputs.1.file.enabled", "default-rule-path", "classification-file",
        "reference-config-file", "threshold-file", NULL};
    ConfNode *stock = conf_new_empty();
    char err[512] = "";
    assert_int_equal(conf_load_file(stock, STOCK_YAML, err, sizeof(err)), 0);
    ConfNode *def = conf_new_default();
    char *dump = dump_to_string(def);
    int compared = 0;
    for (char *line = strtok(dump, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *eq = strstr(line, " = ");
        assert_non_null(eq);
        *eq = '\0';
        bool departs = false;
        for (int i = 0; departures[i] != NULL; i++)
            departs |= strcmp(line, departures[i]) == 0;
        const char *sv = conf_get(stock, line);
        if (departs || sv == NULL)
            continue; /* not in stock (commented out there) or deliberately different */
        if (strcmp(sv, eq + 3) != 0)
            fail_msg("%s: default '%s', stock '%s'", line, eq + 3, sv);
        compared++;
    }
    assert_true(compared > 150);
    /* The stock file itself raises no unknown-key warning. */
    Unknowns u = {.n = 0};
    conf_for_each_unknown_key(stock, def, collect_unknown, &u);
    for (int i = 0; i < u.n && i < 64; i++)
        print_message("unknown stock key: %s\n", u.keys[i]);
    assert_int_equal(u.n, 0);
    free(dump);
    conf_free(def);
    conf_free(stock);
}

/* ---- lookup and sequences ---------------------------------------------------------------- */

static void test_lookup_sequences(void **state)
{
    (void)state;
    ConfNode *c = load_str("%YAML 1.1\n---\n"
                           "a:\n  b:\n    c: hello\n"
                           "list: [x, y]\n"
                           "types:\n"
                           "  - alert:\n      payload: yes\n"
                           "  - flow\n"
                           "  - dns:\n"
                           "  - http: {extended: yes}\n");
    assert_string_equal(conf_get(c, "a.b.c"), "hello");
    assert_null(conf_get(c, "a.b"));          /* a mapping has no value */
    assert_null(conf_node(c, "a.b.c.d"));
    assert_null(conf_node(c, "nope"));
    assert_ptr_equal(conf_node(c, ""), c);
    assert_string_equal(conf_get_str(c, "a.x", "dflt"), "dflt");
    const ConfNode *b = conf_node(c, "a.b");
    assert_string_equal(conf_node_name(b), "b");
    assert_string_equal(conf_node_value(conf_node_lookup(b, "c")), "hello");

    const ConfNode *list = conf_node(c, "list");
    assert_true(conf_node_is_sequence(list));
    assert_int_equal(conf_node_count(list), 2);
    assert_string_equal(conf_node_name(conf_node_child(list, 1)), "1");
    assert_string_equal(conf_get(c, "list.1"), "y");
    assert_null(conf_node_child(list, 2));

    const ConfNode *t = conf_node(c, "types");
    assert_int_equal(conf_node_count(t), 4);
    assert_string_equal(conf_get(c, "types.0.alert.payload"), "yes");
    assert_string_equal(conf_get(c, "types.1"), "flow");
    assert_non_null(conf_node(c, "types.2.dns"));
    assert_true(conf_get_bool(c, "types.3.http.extended", false));

    const ConfNode *body = (const ConfNode *)1;
    assert_true(conf_seq_has_item(t, "flow", &body));
    assert_null(body);
    assert_true(conf_seq_has_item(t, "alert", &body));
    assert_ptr_equal(body, conf_node(c, "types.0.alert"));
    assert_true(conf_seq_has_item(t, "dns", &body));
    assert_null(body); /* `- dns:` has no options */
    assert_true(conf_seq_has_item(t, "http", NULL));
    assert_false(conf_seq_has_item(t, "tls", &body));
    assert_false(conf_seq_has_item(NULL, "tls", NULL));
    assert_true(conf_seq_has_item(list, "x", NULL));
    conf_free(c);
}

static void test_big_mapping_index(void **state)
{
    (void)state;
    /* Enough keys to switch the child lookup to its hash index, and rebuild it a few times. */
    size_t cap = 5000 * 32 + 16, len = 0;
    char *yaml = malloc(cap);
    len += (size_t)snprintf(yaml + len, cap - len, "m:\n");
    for (int i = 0; i < 5000; i++)
        len += (size_t)snprintf(yaml + len, cap - len, "  key%d: %d\n", i, i * 2);
    len += (size_t)snprintf(yaml + len, cap - len, "  key17: again\n");
    ConfNode *c = load_str(yaml);
    assert_int_equal(conf_node_count(conf_node(c, "m")), 5000);
    assert_int_equal(conf_get_int(c, "m.key4999", -1), 9998);
    assert_int_equal(conf_get_int(c, "m.key0", -1), 0);
    assert_string_equal(conf_get(c, "m.key17"), "again");
    assert_null(conf_node(c, "m.key5000"));
    ConfNode *copy = conf_clone(c);
    assert_int_equal(conf_get_int(copy, "m.key2500", -1), 5000);
    char err[256];
    assert_int_equal(conf_set(copy, "m.key6000=x", err, sizeof(err)), 0);
    assert_string_equal(conf_get(copy, "m.key6000"), "x");
    conf_free(copy);
    conf_free(c);
    free(yaml);
}

/* ---- --set ------------------------------------------------------------------------------- */

static void test_set(void **state)
{
    (void)state;
    ConfNode *c = conf_new_default();
    char err[256] = "";
    assert_int_equal(conf_set(c, "outputs.1.eve-log.types.2.anomaly.types.stream=yes", err,
                              sizeof(err)), 0);
    assert_true(conf_get_bool(c, "outputs.1.eve-log.types.2.anomaly.types.stream", false));
    assert_int_equal(conf_set(c, " default-log-dir = /tmp/x ", err, sizeof(err)), 0);
    assert_string_equal(conf_get(c, "default-log-dir"), "/tmp/x");
    assert_int_equal(conf_set(c, "vars.address-groups.HOME_NET=[10.0.0.0/8]", err,
                              sizeof(err)), 0);
    assert_string_equal(conf_get(c, "vars.address-groups.HOME_NET"), "[10.0.0.0/8]");
    assert_int_equal(conf_set(c, "a.b=c=d", err, sizeof(err)), 0); /* first '=' splits */
    assert_string_equal(conf_get(c, "a.b"), "c=d");
    assert_int_equal(conf_set(c, "empty.value=", err, sizeof(err)), 0);
    assert_string_equal(conf_get(c, "empty.value"), "");

    /* New nodes: an index past the end appends; a fresh node indexed numerically is a list. */
    const ConfNode *types = conf_node(c, "outputs.1.eve-log.types");
    size_t ntypes = conf_node_count(types);
    assert_int_equal(conf_set(c, "outputs.1.eve-log.types.28.netflow.enabled=yes", err,
                              sizeof(err)), 0);
    assert_int_equal(conf_node_count(types), ntypes + 1);
    assert_true(conf_seq_has_item(types, "netflow", NULL));
    assert_int_equal(conf_set(c, "intel.files.0=/etc/bad.txt", err, sizeof(err)), 0);
    assert_string_equal(conf_get(c, "intel.files.0"), "/etc/bad.txt");
    assert_int_equal(conf_set(c, "yara.rules.dir=/r", err, sizeof(err)), 0);
    assert_false(conf_node_is_sequence(conf_node(c, "yara.rules")));
    assert_int_equal(conf_set(c, "brand.new.0.name=x", err, sizeof(err)), 0);
    assert_true(conf_node_is_sequence(conf_node(c, "brand.new")));
    assert_string_equal(conf_get(c, "brand.new.0.name"), "x");

    /* `- flow` (a scalar item) becomes `- flow: {x: 1}`. */
    assert_string_equal(conf_get(c, "outputs.1.eve-log.types.27"), "flow");
    assert_int_equal(conf_set(c, "outputs.1.eve-log.types.27.flow.x=1", err, sizeof(err)), 0);
    assert_int_equal(conf_get_int(c, "outputs.1.eve-log.types.27.flow.x", 0), 1);
    assert_true(conf_seq_has_item(types, "flow", NULL));

    /* Setting a mapping to a scalar replaces it. */
    assert_int_equal(conf_set(c, "defrag=off", err, sizeof(err)), 0);
    assert_string_equal(conf_get(c, "defrag"), "off");
    assert_int_equal(conf_node_count(conf_node(c, "defrag")), 0);

    assert_int_equal(conf_set(c, "no-equals-sign", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "KEY=VALUE"));
    assert_int_equal(conf_set(c, "a..b=1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(conf_set(c, "=1", err, sizeof(err)), -1);
    assert_int_equal(conf_set(c, "outputs.eve-log.enabled=no", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not an index"));
    conf_free(c);
}

/* ---- merging files ----------------------------------------------------------------------- */

static void test_merge_file(void **state)
{
    (void)state;
    const char *path = write_tmp("merge.yaml",
                                 "%YAML 1.1\n---\n"
                                 "default-log-dir: /var/log/bongsu\n"
                                 "flow:\n  memcap: 1gb\n"
                                 "stream:\n  reassembly:\n    depth: 2mb\n"
                                 "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n"
                                 "outputs:\n  - eve-log:\n      filename: x.json\n"
                                 "      types: [alert, flow]\n"
                                 "host-os-policy:\n"
                                 "logging:\n  default-log-level: info\n");
    ConfNode *c = conf_new_default();
    char err[512] = "";
    assert_int_equal(conf_load_file(c, path, err, sizeof(err)), 0);
    assert_string_equal(conf_get(c, "default-log-dir"), "/var/log/bongsu");
    assert_int_equal(conf_get_size(c, "flow.memcap", 0), 1ull << 30);
    assert_int_equal(conf_get_int(c, "flow.hash-size", 0), 65536); /* kept from defaults */
    assert_int_equal(conf_get_size(c, "stream.reassembly.depth", 0), 2u << 20);
    assert_int_equal(conf_get_size(c, "stream.reassembly.memcap", 0), 256u << 20);
    assert_string_equal(conf_get(c, "vars.address-groups.HOME_NET"), "[10.0.0.0/8]");
    assert_string_equal(conf_get(c, "vars.address-groups.EXTERNAL_NET"), "!$HOME_NET");
    /* A sequence replaces the whole sequence. */
    assert_int_equal(conf_node_count(conf_node(c, "outputs")), 1);
    assert_string_equal(conf_get(c, "outputs.0.eve-log.filename"), "x.json");
    assert_null(conf_node(c, "outputs.0.eve-log.filetype"));
    assert_int_equal(conf_node_count(conf_node(c, "outputs.0.eve-log.types")), 2);
    /* An empty value over a section keeps the section. */
    assert_string_equal(conf_get(c, "host-os-policy.windows.0"), "0.0.0.0/0");
    assert_string_equal(conf_get(c, "logging.default-log-level"), "info");

    /* Loading a second file merges again; a scalar replaces a mapping and vice versa. */
    assert_int_equal(conf_load_string(c, "flow: off\nrunmode: {x: 1}\n", "s", err, sizeof(err)),
                     0);
    assert_string_equal(conf_get(c, "flow"), "off");
    assert_null(conf_node(c, "flow.memcap"));
    assert_null(conf_get(c, "runmode"));
    assert_string_equal(conf_get(c, "runmode.x"), "1");
    conf_free(c);

    /* A dotted YAML key walks into sequences by index instead of replacing them. */
    c = conf_new_default();
    assert_int_equal(conf_load_string(c, "outputs.1.eve-log.filename: y.json\n", "d", err,
                                      sizeof(err)), 0);
    assert_string_equal(conf_get(c, "outputs.1.eve-log.filename"), "y.json");
    assert_int_equal(conf_node_count(conf_node(c, "outputs")), 13);
    assert_int_equal(conf_load_string(c, "x: 1\noutputs.eve-log.enabled: no\n", "d", err,
                                      sizeof(err)), -1);
    assert_non_null(strstr(err, "d:2:"));
    assert_non_null(strstr(err, "not an index"));
    conf_free(c);
}

static void test_suricata_key_spellings(void **state)
{
    (void)state;
    ConfNode *c = load_str("default_log_dir: /x\n"
                           "stream.reassembly.depth: 4mb\n"
                           "vars:\n  address-groups:\n    MY_NET: 1.2.3.4\n"
                           "  port_groups:\n    WEB_PORTS: 80\n"
                           "anchored: &a {k: v}\n"
                           "empty_doc_follows: 1\n"
                           "---\n"
                           "second: doc\n");
    assert_string_equal(conf_get(c, "default-log-dir"), "/x");
    assert_int_equal(conf_get_size(c, "stream.reassembly.depth", 0), 4u << 20);
    assert_string_equal(conf_get(c, "vars.address-groups.MY_NET"), "1.2.3.4");
    assert_string_equal(conf_get(c, "vars.port-groups.WEB_PORTS"), "80");
    assert_string_equal(conf_get(c, "anchored.k"), "v");
    assert_string_equal(conf_get(c, "second"), "doc");
    conf_free(c);

    c = load_str("");
    assert_int_equal(conf_node_count(c), 0);
    conf_free(c);
    c = load_str("%YAML 1.1\n---\n");
    assert_int_equal(conf_node_count(c), 0);
    conf_free(c);
}

/* ---- include ----------------------------------------------------------------------------- */

static void test_include(void **state)
{
    (void)state;
    char err[512] = "";
    mkdir(strcat(strcpy((char[512]){0}, tmpdir), "/sub"), 0700);
    write_tmp("sub/base.yaml", "flow:\n  memcap: 1mb\n  hash-size: 7\nextra: base\n");
    write_tmp("sub/more.yaml", "more: yes\ninclude: nested.yaml\n");
    write_tmp("sub/nested.yaml", "nested: deep\n");
    write_tmp("sub/part.yaml", "key: from-part\n");
    const char *main_path = write_tmp("sub/main.yaml",
                                      "include: base.yaml\n"
                                      "flow:\n  hash-size: 9\n"
                                      "section: !include part.yaml\n"
                                      "include:\n  - more.yaml\n");
    ConfNode *c = conf_new_default();
    /* Run from elsewhere: includes resolve against the including file, not the cwd. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir("/"), 0);
    int rc = conf_load_file(c, main_path, err, sizeof(err));
    assert_int_equal(chdir(cwd), 0);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(conf_get_size(c, "flow.memcap", 0), 1u << 20);
    assert_int_equal(conf_get_int(c, "flow.hash-size", 0), 9); /* later key wins */
    assert_string_equal(conf_get(c, "extra"), "base");
    assert_string_equal(conf_get(c, "section.key"), "from-part");
    assert_true(conf_get_bool(c, "more", false));
    assert_string_equal(conf_get(c, "nested"), "deep");
    assert_null(conf_node(c, "include"));

    /* A loop is cut off with an error naming where the include was. */
    const char *loop = write_tmp("sub/loop.yaml", "a: 1\ninclude: loop.yaml\n");
    ConfNode *before = conf_clone(c);
    assert_int_equal(conf_load_file(c, loop, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "loop.yaml:2:"));
    assert_non_null(strstr(err, "nested deeper"));
    /* ... and leaves the tree untouched. */
    char *d1 = dump_to_string(before), *d2 = dump_to_string(c);
    assert_string_equal(d1, d2);
    free(d1);
    free(d2);
    conf_free(before);

    const char *missing = write_tmp("sub/missing.yaml", "x: 1\n\ninclude: nothere.yaml\n");
    assert_int_equal(conf_load_file(c, missing, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "missing.yaml:3:"));
    assert_non_null(strstr(err, "nothere.yaml"));

    const char *bad_inc = write_tmp("sub/badinc.yaml", "include: {a: 1}\n");
    assert_int_equal(conf_load_file(c, bad_inc, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "badinc.yaml:1:"));

    /* Untrusted text may forbid includes. */
    assert_int_equal(conf_load_buffer(c, "include: /etc/passwd\n", 21, "fz",
                                      CONF_LOAD_NO_INCLUDE, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not allowed"));
    conf_free(c);
}

/* ---- values ------------------------------------------------------------------------------ */

static void test_values(void **state)
{
    (void)state;
    ConfNode *c = load_str("b1: yes\nb2: No\nb3: TRUE\nb4: off\nb5: 1\nb6: 0\nb7: enabled\n"
                           "b8: maybe\n"
                           "i1: 42\ni2: -7\ni3: 010\ni4: 12abc\ni5: 99999999999999999999\n"
                           "i6: ' 5 '\n"
                           "s1: 32mb\ns2: 1GB\ns3: 64kb\ns4: 4096\ns5: 1.5gb\ns6: ' 10 Mb '\n"
                           "s7: 10xb\ns8: ''\ns9: 99999999999tb\ns10: 2b\ns11: 0.5kb\ns12: -1\n"
                           "s13: 1.kb\n");
    assert_true(conf_get_bool(c, "b1", false));
    assert_false(conf_get_bool(c, "b2", true));
    assert_true(conf_get_bool(c, "b3", false));
    assert_false(conf_get_bool(c, "b4", true));
    assert_true(conf_get_bool(c, "b5", false));
    assert_false(conf_get_bool(c, "b6", true));
    assert_true(conf_get_bool(c, "b7", false));
    assert_true(conf_get_bool(c, "b8", true));   /* unparsable: default */
    assert_false(conf_get_bool(c, "b8", false));
    assert_true(conf_get_bool(c, "absent", true));

    assert_int_equal(conf_get_int(c, "i1", 0), 42);
    assert_int_equal(conf_get_int(c, "i2", 0), -7);
    assert_int_equal(conf_get_int(c, "i3", 0), 10);
    assert_int_equal(conf_get_int(c, "i4", -1), -1);
    assert_int_equal(conf_get_int(c, "i5", -1), -1);
    assert_int_equal(conf_get_int(c, "i6", -1), 5);
    assert_int_equal(conf_get_int(c, "absent", 3), 3);

    assert_int_equal(conf_get_size(c, "s1", 0), 32ull << 20);
    assert_int_equal(conf_get_size(c, "s2", 0), 1ull << 30);
    assert_int_equal(conf_get_size(c, "s3", 0), 64ull << 10);
    assert_int_equal(conf_get_size(c, "s4", 0), 4096);
    assert_int_equal(conf_get_size(c, "s5", 0), 3ull << 29);
    assert_int_equal(conf_get_size(c, "s6", 0), 10ull << 20);
    assert_int_equal(conf_get_size(c, "s7", 1), 1);
    assert_int_equal(conf_get_size(c, "s8", 1), 1);
    assert_int_equal(conf_get_size(c, "s9", 1), 1);
    assert_int_equal(conf_get_size(c, "s10", 0), 2);
    assert_int_equal(conf_get_size(c, "s11", 0), 512);
    assert_int_equal(conf_get_size(c, "s12", 1), 1);
    assert_int_equal(conf_get_size(c, "s13", 1), 1);

    uint64_t sz = 7;
    assert_int_equal(conf_parse_size("18446744073709551615", &sz), 0);
    assert_true(sz == UINT64_MAX);
    assert_int_equal(conf_parse_size("18446744073709551616", &sz), -1);
    bool b;
    assert_int_equal(conf_parse_bool("Yes", &b), 0);
    assert_true(b);
    int64_t i;
    assert_int_equal(conf_parse_int("", &i), -1);
    conf_free(c);
}

/* ---- errors and limits ------------------------------------------------------------------- */

static void expect_error(const char *yaml, const char *where, const char *what)
{
    ConfNode *c = conf_new_default();
    char *before = dump_to_string(c);
    char err[512] = "";
    assert_int_equal(conf_load_string(c, yaml, "bad.yaml", err, sizeof(err)), -1);
    if (strstr(err, where) == NULL || strstr(err, what) == NULL)
        fail_msg("error '%s' lacks '%s' or '%s'", err, where, what);
    char *after = dump_to_string(c);
    assert_string_equal(before, after); /* failed loads change nothing */
    free(before);
    free(after);
    conf_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("flow:\n  memcap: 1mb\n  bad: [1, 2\nstream: x\n", "bad.yaml:", "");
    expect_error("a: 1\nb:\n\tc: 2\n", "bad.yaml:3:", "");
    expect_error("a: 1\n  b: 2\n", "bad.yaml:2:", "");
    expect_error("- a\n- b\n", "bad.yaml:1:", "top level must be a mapping");
    expect_error("just a string\n", "bad.yaml:1:", "top level must be a mapping");
    expect_error("a: &x {b: 1}\nc: *x\n", "bad.yaml:2:", "aliases");
    expect_error("a: 1\n? [x, y]\n: z\n", "bad.yaml:2:", "keys must be plain scalars");
    expect_error("flow: {memcap: 1mb}\nx.y..z: 1\n", "bad.yaml:2:", "empty component");
    expect_error("\"\": 1\n", "bad.yaml:1:", "empty");

    char err[256] = "";
    ConfNode *c = conf_new_empty();
    assert_int_equal(conf_load_file(c, "/nonexistent/x.yaml", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent/x.yaml"));
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(conf_load_file(c, tmpdir, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "directory"));
    conf_free(c);
}

static char *nested_maps(int depth)
{
    char *s = malloc((size_t)depth * 5 + 16);
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(s + n, "{a: ");
    n += (size_t)sprintf(s + n, "x");
    for (int i = 0; i < depth; i++)
        s[n++] = '}';
    s[n] = '\0';
    return s;
}

static void test_limits(void **state)
{
    (void)state;
    /* 64 nested collections are fine, 65 are not (the top-level mapping counts). */
    char *ok = nested_maps(CONF_MAX_DEPTH), *deep = nested_maps(CONF_MAX_DEPTH + 1);
    ConfNode *c = conf_new_empty();
    char err[512] = "";
    assert_int_equal(conf_load_string(c, ok, "d.yaml", err, sizeof(err)), 0);
    assert_int_equal(conf_load_string(c, deep, "d.yaml", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "d.yaml:1:"));
    assert_non_null(strstr(err, "nesting deeper than 64"));
    free(ok);
    free(deep);

    /* Sequences count too. */
    char seq[400] = "a: ";
    for (int i = 0; i < 70; i++)
        strcat(seq, "[");
    for (int i = 0; i < 70; i++)
        strcat(seq, "]");
    assert_int_equal(conf_load_string(c, seq, "s.yaml", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nesting"));

    /* Oversized file: checked before reading (a sparse file costs nothing). */
    char path[512];
    snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)CONF_MAX_FILE_SIZE + 1), 0);
    fclose(f);
    assert_int_equal(conf_load_file(c, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "larger than 16 MiB"));
    unlink(path);
    conf_free(c);
}

/* ---- unknown keys ------------------------------------------------------------------------ */

static void test_unknown_keys(void **state)
{
    (void)state;
    ConfNode *known = conf_new_default();
    ConfNode *c = conf_new_default();
    char err[512] = "";
    const char *yaml = "outputs:\n"
                       "  - eve-log:\n"
                       "      filenme: x\n"
                       "      types:\n"
                       "        - flow: {foo: 1}\n"
                       "        - http:\n            custom: [a]\n"
                       "        - bogus-type\n"
                       "        - bogus-map: {x: 1}\n"
                       "  - eve-log:\n      filenme: y\n"
                       "  - unified2-alert: {enabled: no}\n"
                       "strem:\n  memcap: 1\n"
                       "flow:\n  memcapp: 3\n  managers: 2\n"
                       "vars:\n  address-groups:\n    MY_NET: x\n"
                       "af-packet:\n  - interface: eth0\n"
                       "intel:\n  files: [a.txt, b.txt]\n";
    assert_int_equal(conf_load_string(c, yaml, "u.yaml", err, sizeof(err)), 0);
    assert_int_equal(conf_set(c, "stats.intervall=3", err, sizeof(err)), 0);
    Unknowns u = {.n = 0};
    conf_for_each_unknown_key(c, known, collect_unknown, &u);
    for (int i = 0; i < u.n && i < 64; i++)
        print_message("unknown: %s\n", u.keys[i]);
    assert_int_equal(u.n, 5);
    assert_true(has_key(&u, "outputs.0.eve-log.filenme")); /* once, not again for item 1 */
    assert_true(has_key(&u, "outputs.0.eve-log.types.3.bogus-map"));
    assert_true(has_key(&u, "strem"));                       /* not strem.memcap as well */
    assert_true(has_key(&u, "flow.memcapp"));
    assert_true(has_key(&u, "stats.intervall"));

    /* Nothing to report for the defaults themselves, or for an empty known tree and no keys. */
    Unknowns none = {.n = 0};
    conf_for_each_unknown_key(known, known, collect_unknown, &none);
    assert_int_equal(none.n, 0);
    ConfNode *empty = conf_new_empty();
    conf_for_each_unknown_key(empty, empty, collect_unknown, &none);
    assert_int_equal(none.n, 0);
    conf_free(empty);
    conf_free(c);
    conf_free(known);
}

/* ---- the conformance corpus -------------------------------------------------------------- */

/* ../shared/conformance/cases from the source root, which is two levels above tests/data
 * (stripped lexically: tests/data need not exist). */
static void cases_dir(char *out, size_t outlen)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", TESTS_DATA_DIR);
    char *root = dirname(dirname(buf));
    snprintf(out, outlen, "%s/../shared/conformance/cases", root);
}

/* Apply every "--set KEY=VALUE" found in a case's test.yaml to tree; returns how many. */
static int apply_case_sets(ConfNode *tree, const char *test_yaml)
{
    FILE *f = fopen(test_yaml, "r");
    if (f == NULL)
        return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        for (char *p = strstr(line, "--set"); p != NULL; p = strstr(p, "--set")) {
            p += 5;
            p += strspn(p, " =");
            size_t len = strcspn(p, " \t\"'\n,]");
            char kv[1024];
            snprintf(kv, sizeof(kv), "%.*s", (int)len, p);
            char err[256] = "";
            if (strchr(kv, '=') == NULL)
                continue;
            if (conf_set(tree, kv, err, sizeof(err)) != 0)
                fail_msg("%s: %s", test_yaml, err);
            n++;
        }
    }
    fclose(f);
    return n;
}

static void test_conformance_yaml(void **state)
{
    (void)state;
    char dir[1200];
    cases_dir(dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (d == NULL) {
        print_message("no conformance cases at %s; skipped\n", dir);
        skip();
    }
    ConfNode *known = conf_new_default();
    int loaded = 0, failed = 0, warned = 0, sets = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[2400];
        snprintf(path, sizeof(path), "%s/%s/suricata.yaml", dir, e->d_name);
        ConfNode *c = conf_new_default();
        char err[512] = "";
        bool has_yaml = access(path, R_OK) == 0;
        if (has_yaml && conf_load_file(c, path, err, sizeof(err)) != 0) {
            print_message("FAIL %s\n", err);
            failed++;
        }
        snprintf(path, sizeof(path), "%s/%s/test.yaml", dir, e->d_name);
        sets += apply_case_sets(c, path);
        Unknowns u = {.n = 0};
        conf_for_each_unknown_key(c, known, collect_unknown, &u);
        for (int i = 0; i < u.n && i < 64; i++)
            print_message("%s: unknown key %s\n", e->d_name, u.keys[i]);
        warned += u.n;
        loaded += has_yaml;
        conf_free(c);
    }
    closedir(d);
    conf_free(known);
    print_message("loaded %d conformance suricata.yaml files, applied %d --set options\n",
                  loaded, sets);
    assert_true(loaded > 0);
    assert_int_equal(failed, 0);
    assert_int_equal(warned, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_values),
        cmocka_unit_test(test_defaults_stock_layout),
        cmocka_unit_test(test_defaults_match_stock),
        cmocka_unit_test(test_lookup_sequences),
        cmocka_unit_test(test_big_mapping_index),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_merge_file),
        cmocka_unit_test(test_suricata_key_spellings),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_conformance_yaml),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
