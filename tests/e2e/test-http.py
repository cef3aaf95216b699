"""End-to-end: HTTP transactions and the files they carry, as Suricata 7 logs them.

tests/data/http-files.pcap was made with `trafficgen --portable --bytes 3e5 --seed 21` and a
scenario injecting four exchanges (a GET download, a POST upload, a GET whose path has dot
segments, a PUT upload) among trafficgen's own HTTP, TLS and DNS traffic. The expectations
are the reference Suricata 7.0.10's output on that file, with file-store v2 forced on
(`outputs.9.file-store.enabled/force-filestore`): event counts, the injected exchanges'
http and fileinfo fields, and the stored files, which must be the same set of sha256 names.
Stream timing (pcap_cnt, file_id order) is left to the stream tests.
"""
import hashlib
import os

from e2elib import DATA, check, check_eq, finish, last_stats, of_type, run_bongsu, validate_schema

PCAP = os.path.join(DATA, "http-files.pcap")
STORE = ["--set", "outputs.9.file-store.enabled=yes",
         "--set", "outputs.9.file-store.force-filestore=yes"]


def by_url(events, url):
    return [e for e in events if e["http"].get("url") == url]


_, _, events, logdir = run_bongsu(["-r", PCAP, "-k", "none", "--runmode", "single"] + STORE)
validate_schema(events)
http = of_type(events, "http")
files = of_type(events, "fileinfo")
check_eq(len(http), 28, "http events (reference: 28)")
check_eq(len(files), 29, "fileinfo events (reference: 29)")
check_eq(len(of_type(events, "anomaly")), 0, "anomaly events")
stats = last_stats(events)
check_eq(stats.get("app_layer", {}).get("flow", {}).get("http"), 28, "app_layer.flow.http")
check_eq(stats.get("app_layer", {}).get("tx", {}).get("http"), 28, "app_layer.tx.http")

dl = by_url(http, "/files/report.pdf?id=7")
check_eq(len(dl), 1, "the injected download")
if dl:
    check_eq(dl[0]["http"], {"hostname": "dl.example.com", "url": "/files/report.pdf?id=7",
                             "http_user_agent": "E2E-Agent/1.0",
                             "http_content_type": "application/octet-stream",
                             "http_method": "GET", "protocol": "HTTP/1.1", "status": 200,
                             "length": 40}, "download http object")
    check_eq(dl[0]["tx_id"], 0, "download tx_id")

body = b"%PDF-1.4 fake report body for bongsu e2e"
fi = [e for e in files if e["fileinfo"]["filename"] == "/files/report.pdf"]
check_eq(len(fi), 1, "download fileinfo (named after the path without the query)")
if fi:
    f = fi[0]
    check_eq(f["fileinfo"], {"filename": "/files/report.pdf", "gaps": False, "state": "CLOSED",
                             "sha256": hashlib.sha256(body).hexdigest(), "stored": True,
                             "file_id": f["fileinfo"].get("file_id"), "size": len(body),
                             "tx_id": 0}, "download fileinfo")
    check_eq((f["src_port"], f["app_proto"]), (80, "http"), "a download is logged from the server")
    check_eq(f["http"]["hostname"], "dl.example.com", "fileinfo carries the http object")

up = [e for e in files if e["fileinfo"]["filename"] == "/api/upload"]
check_eq(sorted(e["fileinfo"]["size"] for e in up), [6, 26], "upload: request body and reply")
req = [e for e in up if e["dest_port"] == 80]
check_eq(len(req), 1, "the uploaded body is logged towards the server")
if req:
    check_eq(req[0]["fileinfo"]["sha256"],
             hashlib.sha256(b"name=alpha&data=0123456789").hexdigest(), "upload sha256")

dots = by_url(http, "/a/./b/../c/index.html")
check_eq(len(dots), 1, "url is logged as sent")
check_eq([e["fileinfo"]["filename"] for e in files if e["fileinfo"]["size"] == 18
          and e["http"].get("hostname") == "www.example.org"], ["/a/c/index.html"],
         "the file name is the normalised path")

put = by_url(http, "/put/target.bin")
check_eq([e["http"]["http_method"] for e in put], ["PUT"], "PUT exchange")

# The store: every file named by the sha256 of its content, the same set as the reference's.
stored = {}
for root, _, names in os.walk(os.path.join(logdir, "filestore")):
    if os.path.basename(root) == "tmp":
        check_eq(names, [], "no temporary files left")
        continue
    for n in names:
        with open(os.path.join(root, n), "rb") as fh:
            stored[n] = hashlib.sha256(fh.read()).hexdigest()
check_eq(len(stored), 29, "stored files (reference: 29)")
check(all(k == v for k, v in stored.items()), "stored files are named by their sha256")
check_eq(set(stored), {e["fileinfo"]["sha256"] for e in files}, "stored set = logged hashes")
check(all(e["fileinfo"]["stored"] for e in files), "every file stored")
finish()
