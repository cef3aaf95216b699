#!/usr/bin/env python3
"""e2e_console.py — the web console in a real browser (Debian's headless chromium),
driven over the Chrome DevTools Protocol with python3-websocket.
Usage: e2e_console.py BONGSU_HUB_BINARY ARTIFACT_DIR

Signs in with an analyst token through the sign-in form, checks the dashboard shows the
posted data, searches events by actor through the filter form, opens an incident and an
actor page, fails on any Content-Security-Policy violation or script error, and saves
screenshots (hub-console-*.png) in ARTIFACT_DIR. Skips (77) when chromium or
python3-websocket is not installed.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import SKIP, Hub, backend_missing, make_events  # noqa: E402


class Browser:
    def __init__(self, exe, tmp):
        import websocket
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--window-size=1400,1000",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "--remote-allow-origins=*", f"--user-data-dir={tmp}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.time() + 60
        while time.time() < deadline and port is None:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise AssertionError("chromium exited at start")
            m = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
        assert port, "chromium did not report its DevTools port"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.problems = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.note_event(msg)

    def note_event(self, msg):
        m = msg.get("method")
        if m == "Log.entryAdded":
            e = msg["params"]["entry"]
            if e["level"] == "error" or "Content Security Policy" in e.get("text", ""):
                self.problems.append(f"{e.get('text')} {e.get('url', '')}")
        elif m == "Runtime.exceptionThrown":
            self.problems.append(msg["params"]["exceptionDetails"].get("text"))
        elif m == "Runtime.consoleAPICalled" and msg["params"]["type"] == "error":
            self.problems.append(str(msg["params"]["args"]))

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise AssertionError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(expr):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        assert os.path.getsize(path) > 10000, "screenshot suspiciously small"

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()


def main(binary, artifacts):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import websocket  # noqa: F401
    except ImportError:
        exe = None
    if not exe:
        print("chromium or python3-websocket not installed")
        return SKIP
    if backend_missing():
        print(backend_missing())
        return SKIP
    os.makedirs(artifacts, exist_ok=True)
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    hub = Hub(binary, extra_args=["--actors", os.path.join(data, "actors-bundle.json")])
    profile = tempfile.mkdtemp(prefix="hub-chromium-")
    browser = None
    try:
        s1, s2 = hub.token("ministry-1", "sensor"), hub.token("bank-2", "sensor")
        analyst = hub.token("soc-analyst", "analyst")
        hub.start()
        ev1, ev2 = make_events(1, 300), make_events(2, 200)
        hub.post_events(s1, ev1)
        hub.post_events(s2, ev2)
        kimsuky = [e for e in ev1 + ev2
                   if e.get("alert", {}).get("metadata", {}).get("actor") == ["Kimsuky"]]
        browser = Browser(exe, profile)
        b = browser
        b.call("Page.navigate", url=f"http://127.0.0.1:{hub.port}/")
        b.wait("document.readyState === 'complete' && !!document.querySelector('#signin-form')",
               "sign-in page")
        # A sensor token is refused by the console.
        b.js(f"document.querySelector('#token').value = {json.dumps(s1)};"
             "document.querySelector('#signin-button').click(); true")
        b.wait("document.querySelector('#signin-error').textContent.includes('sensor')",
               "refusal of a sensor token")
        b.js(f"document.querySelector('#token').value = {json.dumps(analyst)};"
             "document.querySelector('#signin-button').click(); true")
        b.wait("!!document.querySelector('.kpis')", "dashboard")
        total = b.js("document.querySelector('.kpis .v').textContent")
        assert total == "500", total
        assert b.js("document.querySelectorAll('svg rect.b').length") > 0
        assert b.js("document.body.innerText.includes('Lazarus Group')")
        b.screenshot(os.path.join(artifacts, "hub-console-dashboard.png"))
        # Search events by actor through the filter form.
        b.js("location.hash = '#/events'; true")
        b.wait("!!document.querySelector('#event-filters')", "event search")
        b.js("const f = document.querySelector('#event-filters');"
             "f.elements.actor.value = 'Kimsuky'; f.requestSubmit(); true")
        b.wait("location.hash.includes('actor=Kimsuky') && "
               "!!document.querySelector('#event-table')", "search results")
        rows = b.js("[...document.querySelectorAll('#event-table tr.click')]"
                    ".map(r => r.children[5].textContent)")
        assert len(rows) == min(50, len(kimsuky)) and set(rows) == {"Kimsuky"}, rows[:5]
        b.screenshot(os.path.join(artifacts, "hub-console-search.png"))
        # Incident page with its timeline, then the actor page.
        b.js("location.hash = '#/incidents'; true")
        b.wait("document.querySelectorAll('#incident-table tr.click').length > 0", "incidents")
        b.js("document.querySelector('#incident-table tr.click').click(); true")
        b.wait("document.querySelectorAll('svg circle').length > 0", "incident timeline")
        b.screenshot(os.path.join(artifacts, "hub-console-incident.png"))
        b.js("location.hash = '#/actor/Lazarus%20Group'; true")
        b.wait("document.body.textContent.includes('Techniques')", "actor page")
        assert b.js("document.body.textContent.includes('T1071.001 Web Protocols')")
        assert b.js("document.body.textContent.includes('HIDDEN COBRA')")  # alias, --actors
        b.screenshot(os.path.join(artifacts, "hub-console-actor.png"))
        b.call("Runtime.evaluate", expression="1")  # drain pending events
        assert not b.problems, b.problems
        print(f"screenshots in {artifacts}")
        return 0
    finally:
        if browser:
            browser.close()
        hub.cleanup()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        rc = main(sys.argv[1], sys.argv[2])
    except Exception:
        import traceback
        traceback.print_exc()
        rc = 1
    print({0: "ok   console", SKIP: "SKIP console"}.get(rc, "FAIL console"))
    sys.exit(rc)
