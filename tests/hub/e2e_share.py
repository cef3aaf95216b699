#!/usr/bin/env python3
"""e2e_share.py — partner sharing: the STIX 2.1 export and the TAXII 2.1 server.
Usage: e2e_share.py BONGSU_HUB_BINARY [TEST...]

Tests:
  stix   GET /api/v1/stix: every object validates against the official STIX 2.1 JSON
         schemas (vendored in stix-schemas/), references resolve inside the bundle, the
         TLP marking from --tlp is applied, one sighting per alert, one intrusion-set per
         actor with its MITRE group id; re-export gives the same ids
  taxii  discovery, API root, collections, objects paging with limit/next and
         added_after, manifest, roles (partner yes, sensor no), TAXII media types
"""
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import SKIP, Hub, make_events, run  # noqa: E402

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stix-schemas", "schemas")
SCHEMA_DIR = {"sdos": ["attack-pattern", "identity", "indicator", "intrusion-set",
                       "observed-data"],
              "sros": ["relationship", "sighting"],
              "observables": ["ipv4-addr", "ipv6-addr", "network-traffic"],
              "common": ["marking-definition", "bundle"]}


def load_validators():
    try:
        import jsonschema
    except ImportError:
        return None
    store = {}
    for root, _, files in os.walk(SCHEMAS):
        for f in files:
            with open(os.path.join(root, f)) as fh:
                s = json.load(fh)
            store[s["$id"]] = s
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for d, names in SCHEMA_DIR.items():
            for n in names:
                with open(os.path.join(SCHEMAS, d, n + ".json")) as fh:
                    schema = json.load(fh)
                resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
                cls = jsonschema.validators.validator_for(schema)
                out[n] = cls(schema, resolver=resolver,
                             format_checker=jsonschema.FormatChecker())
    return out


def validate(validators, bundle):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # The bundle schema tries every object against every type (oneOf), which is slow;
        # check the envelope with one object of each type, and every object on its own.
        sample, seen = [], set()
        for o in bundle["objects"]:
            if o["type"] not in seen:
                seen.add(o["type"])
                sample.append(o)
        errs = sorted(validators["bundle"].iter_errors(dict(bundle, objects=sample)), key=str)
        assert not errs, f"bundle: {errs[0].message}"
        # Every type, and up to 60 objects of each: objects of one type come from one
        # code path, and full validation of a big bundle takes tens of seconds.
        per_type = {}
        for o in bundle["objects"]:
            per_type[o["type"]] = per_type.get(o["type"], 0) + 1
            if per_type[o["type"]] > 60:
                continue
            v = validators.get(o["type"])
            assert v, f"no schema for {o['type']}"
            errs = list(v.iter_errors(o))
            assert not errs, f"{o['id']}: {errs[0].message} at {list(errs[0].path)}"


def check_refs(objects):
    ids = {o["id"] for o in objects}
    for o in objects:
        for k, v in o.items():
            refs = v if k.endswith("_refs") else [v] if k.endswith("_ref") else []
            for ref in refs:
                assert ref in ids, f"{o['id']}.{k} -> {ref} not in bundle"


def setup_hub(binary, extra=()):
    hub = Hub(binary, extra_args=["--tlp", "green", "--org", "Test CERT", *extra])
    tokens = {r: hub.token(f"{r}-1", r) for r in ("sensor", "analyst", "partner")}
    tokens["sensor2"] = hub.token("sensor-2", "sensor")
    hub.start()
    ev1, ev2 = make_events(1, 72), make_events(2, 36)
    assert hub.post_events(tokens["sensor"], ev1).json()["accepted"] == 72
    assert hub.post_events(tokens["sensor2"], ev2).json()["accepted"] == 36
    # Real Suricata 7 output too (tests/hub/data/README.md), so the STIX mapping sees
    # genuine dns/tls/http alerts, not only generated ones.
    with open(os.path.join(os.path.dirname(SCHEMAS), "..", "data", "sensor-a.eve.json")) as f:
        real = [json.loads(l) for l in f if l.strip()]
    assert hub.post_events(tokens["sensor2"], real).json()["accepted"] == len(real)
    return hub, tokens, ev1 + ev2 + real


def t_stix(binary):
    validators = load_validators()
    if validators is None:
        print("python3-jsonschema missing")
        return SKIP
    hub, tok, posted = setup_hub(binary)
    try:
        r = hub.get("/api/v1/stix?limit=10000", tok["partner"])
        assert r.status == 200, (r.status, r.body)
        assert r.header("content-type").startswith("application/stix+json")
        bundle = r.json()
        validate(validators, bundle)
        objs = bundle["objects"]
        check_refs(objs)
        by_type = {}
        for o in objs:
            by_type.setdefault(o["type"], []).append(o)
        alerts = [e for e in posted if e["event_type"] == "alert"]
        ddos = [e for e in posted if e["event_type"] == "ddos"]
        assert len(by_type["sighting"]) == len(alerts)
        assert len(by_type["observed-data"]) == len(alerts) + len(ddos)
        actors = {e["alert"]["metadata"]["actor"][0] for e in alerts if "metadata" in e["alert"]}
        assert {o["name"] for o in by_type["intrusion-set"]} == actors
        laz = [o for o in by_type["intrusion-set"] if o["name"] == "Lazarus Group"][0]
        assert laz["external_references"][0]["external_id"] == "G0032"
        tlp = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
        assert by_type["marking-definition"][0]["id"] == tlp
        for o in objs:
            if o["type"] not in ("marking-definition", "ipv4-addr", "ipv6-addr",
                                 "network-traffic"):
                assert o["object_marking_refs"] == [tlp], o["id"]
        assert {o["name"] for o in by_type["identity"]} == {"Test CERT", "sensor-1", "sensor-2"}
        uses = [o for o in by_type["relationship"] if o["relationship_type"] == "uses"]
        assert uses and all(u["source_ref"].startswith("intrusion-set--") for u in uses)
        # Same events, same ids.
        again = hub.get("/api/v1/stix?limit=10000", tok["analyst"]).json()["objects"]
        assert sorted(o["id"] for o in again) == sorted(o["id"] for o in objs)
        # since filter and paging.
        r = hub.get("/api/v1/stix?since=2023-11-14T22:20:00Z", tok["partner"]).json()
        assert 0 < len([o for o in r["objects"] if o["type"] == "sighting"]) < len(alerts)
        r = hub.get("/api/v1/stix?limit=10", tok["partner"])
        assert r.header("x-next-cursor")
        validate(validators, r.json())
        assert hub.get("/api/v1/stix", tok["sensor"]).status == 403
        assert hub.get("/api/v1/stix?since=bad", tok["partner"]).status == 400
    finally:
        hub.cleanup()


def t_taxii(binary):
    hub, tok, posted = setup_hub(binary)
    try:
        p = tok["partner"]
        r = hub.get("/taxii2/", p)
        assert r.status == 200 and r.header("content-type").startswith("application/taxii+json")
        root = r.json()["api_roots"][0]
        info = hub.get(root, p).json()
        assert "application/taxii+json;version=2.1" in info["versions"]
        colls = hub.get(root + "collections/", p).json()["collections"]
        assert len(colls) == 1 and colls[0]["can_read"] and not colls[0]["can_write"]
        base = f"{root}collections/{colls[0]['id']}/"
        assert hub.get(base, p).json()["id"] == colls[0]["id"]
        # Page through with limit/next: every sighting exactly once.
        sightings, nxt, pages = [], None, 0
        while True:
            q = base + "objects/?limit=15" + (f"&next={nxt}" if nxt else "")
            r = hub.get(q, p)
            assert r.status == 200, r.body
            env = r.json()
            sightings += [o["id"] for o in env.get("objects", []) if o["type"] == "sighting"]
            pages += 1
            last = r.header("x-taxii-date-added-last")
            if not env["more"]:
                break
            nxt = env["next"]
            assert r.header("x-taxii-date-added-first") and r.header("x-taxii-date-added-last")
        alerts = [e for e in posted if e["event_type"] == "alert"]
        assert len(sightings) == len(set(sightings)) == len(alerts), (len(sightings), len(alerts))
        assert pages > 1
        # added_after: nothing newer than the last add; new events show up.
        assert hub.get(base + "objects/?added_after=" + last, p).json() == {"more": False}
        time.sleep(0.01)
        hub.post_events(tok["sensor"], make_events(1, 6, seed=99))
        env = hub.get(base + "objects/?added_after=" + last, p).json()
        assert len([o for o in env["objects"] if o["type"] == "sighting"]) == 3
        man = hub.get(base + "manifest/?limit=5", p).json()
        assert man["objects"] and all("date_added" in m and "id" in m for m in man["objects"])
        assert hub.get(base + "objects/?added_after=yesterday", p).status == 400
        assert hub.get(root + "collections/nope/", p).status == 404
        assert hub.get("/taxii2/", tok["sensor"]).status == 403
        assert hub.get("/taxii2/", None).status == 401
    finally:
        hub.cleanup()


TESTS = {"stix": t_stix, "taxii": t_taxii}

if __name__ == "__main__":
    sys.exit(run(TESTS, sys.argv[1], sys.argv[2:]))
