#!/usr/bin/env python3
"""bench_corpus.py — a large corpus of distinct EVE events for the hub benchmark.

Why: re-posting the same bodies (bench_hub.py's default) stores thousands of identical
copies of each event with identical timestamps. No sensor does that, and it misleads both
ways: every index insert lands at a random place (real sensors append to the time-keyed
indexes) and every incident collects every copy. This corpus is made of real EVE output
instead: the two fixtures in data/ (Suricata 7 on trafficgen pcaps with attributed DPRK
alerts, see data/README.md), replayed as "copies" one after another, each copy with

  - every timestamp in the line (event time, flow start, ...) moved to its own place:
    copy k of a sensor starts k * PERIOD_S seconds after the corpus start, and the
    fixture's 0.4 s of traffic is stretched over the copy's PERIOD_S (order kept);
  - inside addresses (10.A.B.C) moved to 10.(A + 4 * sensor).((B + k // HOST_COPIES) % 256).C,
    so each sensor watches its own hosts and a host keeps its address for HOST_COPIES
    copies (a few minutes: an incident of that length), then the next host takes over;
  - flow_id made unique per copy and sensor.

Four sensors at PERIOD_S = 15.5 s put 10 M events (the stats line of each fixture is
dropped) on about 24 hours: roughly 115 events/s on average, 2.4% of them alerts, 1.6%
attributed to an actor. Deterministic: the same arguments give the same bytes.

Usage as a module: lines(sensor_idx, first_copy, end_copy) yields NDJSON lines (bytes);
copies_for(n_events, sensors) gives how many copies per sensor make n_events.
As a script: bench_corpus.py SENSOR FIRST END > out.json
"""
import calendar
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = [os.path.join(HERE, "data", "sensor-a.eve.json"),
            os.path.join(HERE, "data", "sensor-b.eve.json")]
START_S = calendar.timegm((2023, 11, 14, 0, 0, 0))  # 2023-11-14T00:00:00Z
PERIOD_S = 15.5
HOST_COPIES = 16

_TS = re.compile(rb'"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})\+0000"')
_IP10 = re.compile(rb'"10\.(\d+)\.(\d+)\.(\d+)"')
_FLOW = re.compile(rb'"flow_id":(\d+)')


def _us(m):
    y, mo, d, h, mi, s, us = (int(x) for x in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000000 + us


class _Template:
    """One fixture, each line cut into literal text and holes: ('t', offset_us),
    ('ip', a, b, c) and ('f', flow_id)."""

    def __init__(self, path):
        raw = [ln for ln in open(path, "rb").read().splitlines()
               if ln and b'"event_type":"stats"' not in ln]
        t0 = min(_us(m) for ln in raw for m in _TS.finditer(ln))
        span = max(_us(m) for ln in raw for m in _TS.finditer(ln)) - t0
        self.scale = PERIOD_S * 1e6 / (span + 1)
        self.lines = [self._cut(ln, t0) for ln in raw]
        self.count = len(self.lines)

    def _cut(self, ln, t0):
        holes = [(m.start(), m.end(), ("t", _us(m) - t0)) for m in _TS.finditer(ln)]
        holes += [(m.start(), m.end(), ("ip",) + tuple(int(x) for x in m.groups()))
                  for m in _IP10.finditer(ln)]
        holes += [(m.start(1), m.end(1), ("f", int(m.group(1)))) for m in _FLOW.finditer(ln)]
        holes.sort()
        parts, pos = [], 0
        for a, b, h in holes:
            parts.append(ln[pos:a])
            parts.append(h)
            pos = b
        parts.append(ln[pos:] + b"\n")
        return parts


_templates = None
_sec_text = {}


def _stamp(us):
    sec, frac = divmod(us, 1000000)
    head = _sec_text.get(sec)
    if head is None:
        import time
        head = _sec_text[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
    return b'"%s.%06d+0000"' % (head, frac)


def lines(sensor_idx, first_copy, end_copy):
    global _templates
    if _templates is None:
        _templates = [_Template(p) for p in FIXTURES]
    tpl = _templates[sensor_idx % 2]
    for k in range(first_copy, end_copy):
        # sensors are phase-shifted by a quarter period so their events interleave
        base = int((START_S + k * PERIOD_S + sensor_idx * PERIOD_S / 4) * 1e6)
        shift = (k // HOST_COPIES) % 256
        fbase = (sensor_idx << 61) | ((k % 8192) << 48)  # fixture ids are < 2^48
        for parts in tpl.lines:
            out = []
            for p in parts:
                if type(p) is bytes:
                    out.append(p)
                elif p[0] == "t":
                    out.append(_stamp(base + int(p[1] * tpl.scale)))
                elif p[0] == "ip":
                    out.append(b'"10.%d.%d.%d"' % ((p[1] + 4 * sensor_idx) % 256,
                                                   (p[2] + shift) % 256, p[3]))
                else:
                    out.append(b"%d" % (fbase ^ p[1]))
            yield b"".join(out)


def copy_size(sensor_idx):
    global _templates
    if _templates is None:
        _templates = [_Template(p) for p in FIXTURES]
    return _templates[sensor_idx % 2].count


def copies_for(n_events, sensors=4):
    per_round = sum(copy_size(i) for i in range(sensors))
    return -(-n_events // per_round)


if __name__ == "__main__":
    s, a, b = (int(x) for x in sys.argv[1:4])
    out = sys.stdout.buffer
    for ln in lines(s, a, b):
        out.write(ln)
