#!/usr/bin/env python3
"""e2e_hub.py — end-to-end tests of bongsu-hub: a real server on 127.0.0.1, real tokens
from the CLI, HTTP from a client. Usage: e2e_hub.py BONGSU_HUB_BINARY [TEST...]

Tests:
  auth      no token 401, wrong role 403, revoked token 401 on a running server,
            security headers, 404/405, error bodies without internals
  real      two sensors post real Suricata 7 EVE (tests/hub/data); exact query results,
            incidents across sensors
  ingest    two sensors post EVE batches; per-line rejections; Idempotency-Key replay;
            queries return exactly what was posted (all filters, cursor paging);
            summary, incidents, actors; offline `ingest` command
  limits    body size limit (413) and per-token rate limit (429 + Retry-After)
  crash     kill -9 during ingest, restart, every acknowledged event present, none
            duplicated after the client retries with the same Idempotency-Keys
  tls       HTTPS with --tls-cert/--tls-key
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import Hub, canon, make_events, run, strip_hub  # noqa: E402


def t_auth(binary):
    hub = Hub(binary)
    try:
        sensor = hub.token("sensor-a", "sensor")
        analyst = hub.token("analyst-1", "analyst")
        partner = hub.token("partner-1", "partner")
        admin = hub.token("root", "admin")
        hub.start()
        assert hub.get("/api/v1/events", None).status == 401
        r = hub.get("/api/v1/events", "bsk_" + "A" * 43)
        assert r.status == 401 and r.header("www-authenticate"), r.status
        assert hub.request("GET", "/api/v1/events",
                           headers={"Authorization": "Basic YTpi"}).status == 401
        assert hub.get("/api/v1/events", sensor).status == 403
        assert hub.get("/api/v1/summary", partner).status == 403
        assert hub.post_events(analyst, []).status == 403
        assert hub.post_events(partner, []).status == 403
        assert hub.get("/api/v1/events", analyst).status == 200
        assert hub.get("/api/v1/events", admin).status == 200
        assert hub.post_events(admin, []).status == 200
        r = hub.post_events(sensor, make_events(1, 3))
        assert r.status == 200 and r.json()["accepted"] == 3, r.body
        # Security headers on API and console replies.
        for path, tok in (("/api/v1/events", analyst), ("/", None)):
            r = hub.get(path, tok)
            assert r.status == 200, (path, r.status)
            assert "frame-ancestors 'none'" in r.header("content-security-policy")
            assert r.header("x-content-type-options") == "nosniff"
            assert r.header("x-frame-options") == "DENY"
        assert hub.get("/api/v1/nope", analyst).status == 404
        assert hub.request("DELETE", "/api/v1/events", token=analyst).status == 405
        r = hub.get("/api/v1/events?limit=abc", analyst)
        assert r.status == 400 and "limit" in r.json()["error"]["message"]
        # Revocation takes effect on the running server.
        hub.cli("token", "revoke", "sensor-a", "--db", hub.db)
        assert hub.post_events(sensor, make_events(1, 1)).status == 401
        # Duplicate names are refused; a token is never printed twice.
        p = hub.cli("token", "create", "--name", "root", "--role", "admin", "--db", hub.db,
                    check=False)
        assert p.returncode != 0 and "bsk_" not in p.stdout
        # Only hashes are stored.
        stored = hub.stored_bytes()
        assert b"sensor-a" in stored and analyst.encode() not in stored
    finally:
        hub.cleanup()


def check_exact(hub, analyst, posted, query, pred):
    want = sorted(canon(e) for e in posted if pred(e))
    got = sorted(canon(strip_hub(e)) for e in hub.all_events(analyst, query, page=37))
    assert got == want, f"{query}: got {len(got)} want {len(want)}"


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def t_ingest(binary):
    hub = Hub(binary, extra_args=["--actors", os.path.join(DATA, "actors-bundle.json")])
    try:
        s1, s2 = hub.token("ministry-1", "sensor"), hub.token("bank-2", "sensor")
        analyst = hub.token("soc", "analyst")
        hub.start()
        ev1, ev2 = make_events(1, 240), make_events(2, 180)
        for i in range(0, len(ev1), 50):
            r = hub.post_events(s1, ev1[i:i + 50], key=f"s1-{i}")
            assert r.status == 200 and r.json()["accepted"] == len(ev1[i:i + 50]), r.body
        # Sensor 2 posts with a few bad lines mixed in.
        bad = ["{not json", '{"event_type":"alert"}', '["x"]',
               '{"event_type":"dns","timestamp":"2023-11-14"} trailing']
        batch = ev2[:60] + bad + ev2[60:]
        r = hub.post_events(s2, batch, key="s2-all")
        j = r.json()
        assert r.status == 200 and j["accepted"] == 180 and j["rejected"] == 4, j
        assert [e["line"] for e in j["errors"]] == [61, 62, 63, 64], j["errors"]
        # Retried batch: same reply, stored once.
        r2 = hub.post_events(s2, batch, key="s2-all")
        assert r2.status == 200 and r2.header("idempotent-replayed") == "true"
        assert r2.json() == j
        posted = ev1 + ev2
        src = ev1[0]["src_ip"]
        sig = 2100003
        checks = [
            ("", lambda e: True),
            ("sensor=ministry-1", lambda e: e in ev1),
            ("event_type=ddos", lambda e: e["event_type"] == "ddos"),
            ("actor=Kimsuky", lambda e: "Kimsuky" in e.get("alert", {}).get("metadata", {}).get("actor", [])),
            (f"src_ip={src}", lambda e: e.get("src_ip") == src),
            (f"dest_ip={ev2[3]['dest_ip']}", lambda e: e.get("dest_ip") == ev2[3]["dest_ip"]),
            (f"signature_id={sig}", lambda e: e.get("alert", {}).get("signature_id") == sig),
            ("since=2023-11-14T22:20:00Z&until=2023-11-14T22:30:00Z",
             lambda e: "2023-11-14T22:20:00" <= e["timestamp"][:19] < "2023-11-14T22:30:00"),
            ("q=host12.example.org", lambda e: "host12.example.org" in json.dumps(e)),
        ]
        for q, pred in checks:
            check_exact(hub, analyst, posted, q, pred)
        r = hub.get("/api/v1/events?sensor=bank-2&limit=1", analyst).json()
        assert r["events"][0]["hub"]["sensor"] == "bank-2" and r["next_cursor"]
        summ = hub.get("/api/v1/summary", analyst).json()
        assert summ["total"] == 420
        assert {x["key"]: x["count"] for x in summ["by_sensor"]} == {"ministry-1": 240,
                                                                     "bank-2": 180}
        attributed = [e for e in posted if "metadata" in e.get("alert", {})]
        assert sum(x["count"] for x in summ["by_actor"]) == len(attributed)
        assert sum(x["count"] for x in summ["by_hour"]) == 420
        inc = hub.get("/api/v1/incidents?limit=1000", analyst).json()
        assert sum(i["events"] for i in inc["incidents"]) == len(attributed)
        assert all(i["techniques"] and i["sensors"] for i in inc["incidents"])
        # With a small limit the newest incidents are completed by following each pair
        # back (a second pass); that must give what reading every event gives.
        assert len(inc["incidents"]) > 17, len(inc["incidents"])
        for k in (1, 2, 5, 17):
            for w in ("", "&window=60"):
                part = hub.get(f"/api/v1/incidents?limit={k}{w}", analyst).json()["incidents"]
                full = hub.get(f"/api/v1/incidents?limit=1000{w}", analyst).json()["incidents"]
                assert part == full[:k], (k, w, part, full[:k])
        actor = hub.get("/api/v1/actors/Lazarus%20Group", analyst).json()
        assert actor["events"] == sum(1 for e in attributed if
                                      e["alert"]["metadata"]["actor"] == ["Lazarus Group"])
        assert {"T1071.001", "T1573.002"} <= {t["id"] for t in actor["techniques"]}
        # Reference data from --actors: aliases, ATT&CK id, technique names; alias lookup.
        assert "HIDDEN COBRA" in actor["aliases"] and actor["mitre_id"] == "G0032"
        assert {t["id"]: t.get("name") for t in actor["techniques"]}["T1071.001"] == \
            "Web Protocols"
        kim = hub.get("/api/v1/actors/Kimsuky", analyst).json()
        assert kim["aliases"] == [] and "mitre_id" not in kim
        assert hub.get("/api/v1/actors/Nobody", analyst).status == 404
        hub.stop()
        # Offline import.
        path = os.path.join(hub.tmp, "eve.json")
        with open(path, "w") as f:
            for e in make_events(3, 25):
                f.write(json.dumps(e) + "\n")
            f.write("garbage\n")
        p = hub.cli("ingest", "--db", hub.db, "--sensor", "offline-3", path)
        assert "accepted 25, rejected 1" in p.stdout, p.stdout
        hub.start()
        assert len(hub.all_events(analyst, "sensor=offline-3")) == 25
    finally:
        hub.cleanup()


def read_eve(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def t_real(binary):
    """Two sensors post real Suricata 7 EVE output (tests/hub/data, see its README) in
    batches; every query returns exactly the posted records."""
    hub = Hub(binary)
    try:
        sa, sb = hub.token("ministry-a", "sensor"), hub.token("bank-b", "sensor")
        analyst = hub.token("soc", "analyst")
        hub.start()
        lines = {"ministry-a": read_eve("sensor-a.eve.json"),
                 "bank-b": read_eve("sensor-b.eve.json")}
        for name, tok in (("ministry-a", sa), ("bank-b", sb)):
            ls = lines[name]
            for i in range(0, len(ls), 100):
                r = hub.post_events(tok, ls[i:i + 100], key=f"{name}-{i}")
                assert r.status == 200 and r.json()["rejected"] == 0, r.body
        posted = {n: [json.loads(l) for l in ls] for n, ls in lines.items()}
        everything = posted["ministry-a"] + posted["bank-b"]
        for name in posted:
            check_exact(hub, analyst, everything, f"sensor={name}",
                        lambda e, n=name: e in posted[n])
        check_exact(hub, analyst, everything, "", lambda e: True)
        check_exact(hub, analyst, everything, "event_type=alert",
                    lambda e: e["event_type"] == "alert")
        laz = lambda e: e.get("alert", {}).get("metadata", {}).get("actor") == ["Lazarus Group"]  # noqa: E731
        check_exact(hub, analyst, everything, "actor=Lazarus%20Group", laz)
        check_exact(hub, analyst, everything, "signature_id=9100003",
                    lambda e: e.get("alert", {}).get("signature_id") == 9100003)
        # The Lazarus alerts come from both sensors; incidents name them and the techniques.
        inc = hub.get("/api/v1/incidents?actor=Lazarus%20Group", analyst).json()["incidents"]
        assert sum(i["events"] for i in inc) == sum(1 for e in everything if laz(e))
        assert {s for i in inc for s in i["sensors"]} == {"ministry-a", "bank-b"}
        assert {"T1071.004", "T1071.001", "T1573.002"} <= {t for i in inc for t in i["techniques"]}
        # DNS lookups through an internal resolver: the asking host is the victim.
        dns_alerts = [e for e in everything if laz(e) and "dns" in e]
        assert {i["victim"] for i in inc} >= {e["src_ip"] for e in dns_alerts}
        summ = hub.get("/api/v1/summary", analyst).json()
        assert summ["total"] == len(everything)
    finally:
        hub.cleanup()


def t_limits(binary):
    # 1 request/s with a burst of 3: slow enough that even a loaded CI machine gets
    # through the burst before the bucket refills.
    hub = Hub(binary, extra_args=["--max-body", "4096", "--rate", "1", "--burst", "3"])
    try:
        s = hub.token("s", "sensor")
        hub.start()
        r = hub.post_events(s, make_events(1, 60))
        assert r.status == 413, r.status
        assert "error" in r.json()
        codes = [hub.post_events(s, make_events(1, 1)).status for _ in range(12)]
        assert codes.count(200) >= 2 and 429 in codes, codes  # the 413 used one
        r = hub.post_events(s, [])
        while r.status != 429:
            r = hub.post_events(s, [])
        assert int(r.header("retry-after")) >= 1
    finally:
        hub.cleanup()


def t_crash(binary):
    """kill -9 the hub while a client streams batches, restart it, let the client retry
    whatever was not acknowledged (and some that were), then check exactly-once."""
    hub = Hub(binary, extra_args=["--rate", "0"])
    try:
        s = hub.token("s", "sensor")
        analyst = hub.token("a", "analyst")
        hub.start()
        events = make_events(1, 6000)
        batches = [(f"b{i}", events[i:i + 100]) for i in range(0, len(events), 100)]
        acked = set()
        stop = threading.Event()

        def client():
            for key, batch in batches:
                if stop.is_set():
                    return
                try:
                    r = hub.post_events(s, batch, key=key, timeout=10)
                    if r.status == 200:
                        acked.add(key)
                except Exception:
                    pass

        th = threading.Thread(target=client)
        th.start()
        deadline = time.time() + 20
        while len(acked) < 15 and time.time() < deadline:
            time.sleep(0.01)
        hub.proc.send_signal(signal.SIGKILL)
        stop.set()
        th.join(timeout=30)
        hub.proc.wait()
        hub.proc.stdout.close()
        hub.log.close()
        hub.proc = None
        assert 0 < len(acked) < len(batches), len(acked)
        hub.start()
        flows = {e["flow_id"] for e in hub.all_events(analyst)}
        for key, batch in batches:
            if key in acked:
                missing = [e["flow_id"] for e in batch if e["flow_id"] not in flows]
                assert not missing, f"acknowledged batch {key} lost {len(missing)} events"
        # Retry everything (the client does not know what the hub kept).
        for key, batch in batches:
            r = hub.post_events(s, batch, key=key)
            assert r.status == 200, r.status
        got = [e["flow_id"] for e in hub.all_events(analyst)]
        assert len(got) == len(events) and set(got) == {e["flow_id"] for e in events}, \
            (len(got), len(set(got)), len(events))
    finally:
        hub.cleanup()


def t_tls(binary):
    hub = Hub(binary)
    try:
        cert, key = os.path.join(hub.tmp, "cert.pem"), os.path.join(hub.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        hub.tls = (cert, key)
        s, a = hub.token("s", "sensor"), hub.token("a", "analyst")
        hub.start()
        assert hub.post_events(s, make_events(1, 10)).json()["accepted"] == 10
        assert len(hub.all_events(a)) == 10
        assert hub.get("/api/v1/events", None).status == 401
    finally:
        hub.cleanup()


TESTS = {"auth": t_auth, "ingest": t_ingest, "real": t_real, "limits": t_limits,
         "crash": t_crash, "tls": t_tls}

if __name__ == "__main__":
    sys.exit(run(TESTS, sys.argv[1], sys.argv[2:]))
