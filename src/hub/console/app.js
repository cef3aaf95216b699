// bongsu hub console — a small single-page app over the hub's JSON API.
//
// Why no framework: the hub serves these files itself with a strict CSP and no CDN, and
// the console must stay auditable. Every value from the API is inserted with textContent
// (never innerHTML), because event fields (DNS names, HTTP hosts, signatures) are
// attacker-influenced. The token lives in sessionStorage: gone when the tab closes.
"use strict";

const $ = (sel) => document.querySelector(sel);
const view = () => $("#view");

// ---- DOM helpers ------------------------------------------------------------------------
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) el.setAttribute(k, v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
function svg(tag, attrs, ...kids) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const kid of kids.flat()) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}
const card = (title, ...body) => h("div", { class: "card" }, h("h2", {}, title), ...body);
const fmtTime = (s) => (s ? s.replace("T", " ").replace(/\.\d+/, "").replace(/(\+0000|Z)$/, " UTC") : "");
const link = (href, text) => h("a", { href }, text);
const qs = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== "" && v != null)).toString();

// ---- API --------------------------------------------------------------------------------
const token = () => sessionStorage.getItem("bongsu.token");
async function api(path) {
  const r = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
  if (r.status === 401) { signOut("Your token was rejected (unknown or revoked)."); throw new Error("401"); }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.message) || "HTTP " + r.status);
  return body;
}

// ---- charts -----------------------------------------------------------------------------
// Fills the buckets with no events between the first and last, so gaps show as gaps.
const STEP = { minute: 60e3, hour: 3600e3, day: 86400e3 };
function fillGaps(series, interval) {
  if (series.length < 2) return series;
  const step = STEP[interval] || STEP.hour, have = new Map(series.map((s) => [Date.parse(s.key), s.count]));
  const t0 = Date.parse(series[0].key), t1 = Date.parse(series[series.length - 1].key), out = [];
  for (let t = t0; t <= t1 && out.length < 2000; t += step)
    out.push({ key: new Date(t).toISOString().replace(".000Z", "Z"), count: have.get(t) || 0 });
  return out;
}
// Column chart of [{key, count}] (keys are bucket starts), sized to the card.
function timeChart(series, cls) {
  const W = 720, H = 160, pad = 24;
  const max = Math.max(1, ...series.map((s) => s.count));
  const bw = Math.min(40, Math.max(1, (W - pad) / Math.max(1, series.length)));
  const g = svg("svg", { viewBox: `0 0 ${W} ${H + 18}`, width: "100%", role: "img" });
  series.forEach((s, i) => {
    const bh = ((H - 10) * s.count) / max;
    g.append(svg("rect", { class: "b " + (cls || ""), x: pad + i * bw, y: H - bh,
                           width: Math.max(1, bw - 1), height: bh },
                 svg("title", {}, `${fmtTime(s.key)}: ${s.count}`)));
  });
  g.append(svg("text", { x: 0, y: 10 }, String(max)));
  if (series.length) {
    g.append(svg("text", { x: pad, y: H + 14 }, fmtTime(series[0].key)));
    g.append(svg("text", { x: W - 130, y: H + 14 }, fmtTime(series[series.length - 1].key)));
  }
  return g;
}
// Table of [{key, count}] with proportional bars; rowHref(key) makes rows links.
function barTable(rows, label, rowHref) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return h("table", {}, h("tr", {}, h("th", {}, label), h("th", {}, "events"), h("th", {})),
    rows.map((r) => h("tr", {},
      h("td", {}, rowHref ? link(rowHref(r.key), r.key) : r.key),
      h("td", {}, r.count),
      h("td", { style: null }, h("span", { class: "bar", "data-w": Math.round((100 * r.count) / max) })))));
}
// CSP forbids inline style attributes, so bar widths are applied from script.
function sizeBars(root) {
  root.querySelectorAll(".bar[data-w]").forEach((b) => { b.style.width = b.dataset.w * 1.6 + "px"; });
}

// ---- views ------------------------------------------------------------------------------
async function dashboard() {
  let [sum, ddos, inc] = await Promise.all([
    api("/api/v1/summary"), api("/api/v1/events?event_type=ddos&limit=500"),
    api("/api/v1/incidents?limit=8")]);
  // A short span (a replayed pcap, a fresh hub) reads better per minute than per hour.
  if (sum.by_time.length < 4) sum = await api("/api/v1/summary?interval=minute");
  // DDoS in progress: the latest event per victim is not an "end".
  const latest = new Map();
  for (const e of ddos.events) if (e.ddos && !latest.has(e.ddos.victim)) latest.set(e.ddos.victim, e);
  const active = [...latest.values()].filter((e) => !/^(end|stop|stopped)$/i.test(e.ddos.state || ""));
  const kpi = (k, v) => h("div", { class: "kpi" }, h("div", { class: "v" }, v), h("div", { class: "k" }, k));
  const alerts = (sum.by_event_type.find((x) => x.key === "alert") || { count: 0 }).count;
  return h("div", {},
    h("div", { class: "kpis" }, kpi("events", sum.total), kpi("alerts", alerts),
      kpi("actors", sum.by_actor.length), kpi("sensors", sum.by_sensor.length),
      kpi("DDoS in progress", active.length)),
    h("div", { class: "grid" },
      h("div", { class: "card wide" }, h("h2", {}, "Events per " + sum.interval), timeChart(fillGaps(sum.by_time, sum.interval))),
      card("By actor", barTable(sum.by_actor, "actor", (k) => "#/actor/" + encodeURIComponent(k))),
      card("By sensor", barTable(sum.by_sensor, "sensor", (k) => "#/events?" + qs({ sensor: k }))),
      card("Top victims", barTable(sum.top_victims, "victim", (k) => "#/events?" + qs({ victim: k }))),
      card("By attack type", barTable(sum.by_attack, "attack", null)),
      card("DDoS in progress", active.length ? h("table", {},
        h("tr", {}, h("th", {}, "victim"), h("th", {}, "attack"), h("th", {}, "state"), h("th", {}, "pps"), h("th", {}, "since")),
        active.map((e) => h("tr", {}, h("td", { class: "mono" }, e.ddos.victim), h("td", {}, e.ddos.attack),
          h("td", { class: "sev1" }, e.ddos.state), h("td", {}, e.ddos.pps ?? ""), h("td", {}, fmtTime(e.timestamp)))))
        : h("p", { class: "dim" }, "none")),
      card("Latest incidents", incidentTable(inc.incidents))));
}

const FILTERS = ["event_type", "actor", "sensor", "src_ip", "dest_ip", "victim", "signature_id", "since", "until", "q"];
async function events(params) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || ""]));
  const form = h("form", { class: "filters", id: "event-filters" },
    FILTERS.map((k) => h("input", { name: k, placeholder: k, value: f[k] })),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const o = {};
    for (const k of FILTERS) o[k] = form.elements[k].value.trim();
    location.hash = "#/events?" + qs(o);
  });
  const cursor = params.get("cursor") || "";
  const res = await api("/api/v1/events?" + qs({ ...f, limit: 50, cursor }));
  const table = eventTable(res.events);
  const pager = h("div", { class: "pager" },
    cursor ? h("button", { class: "ghost", onclick: () => history.back() }, "Newer") : null,
    res.next_cursor ? h("button", { class: "ghost", id: "older",
      onclick: () => { location.hash = "#/events?" + qs({ ...f, cursor: res.next_cursor }); } }, "Older") : null);
  return h("div", {}, h("h1", {}, "Events"), form,
    h("p", { class: "dim", id: "event-count" }, `${res.events.length} shown` + (res.next_cursor ? ", more available" : "")),
    h("div", { class: "card" }, table), pager);
}

function summaryOf(e) {
  if (e.alert) return e.alert.signature || "alert";
  if (e.ddos) return `${e.ddos.attack} on ${e.ddos.victim} (${e.ddos.state})`;
  if (e.dns) return `${e.dns.type} ${e.dns.rrname || ""}`;
  if (e.http) return `${e.http.http_method || ""} ${e.http.hostname || ""}${e.http.url || ""}`;
  if (e.tls) return e.tls.sni || "tls";
  return "";
}
function eventTable(evs) {
  const tbl = h("table", { id: "event-table" },
    h("tr", {}, ["time", "sensor", "type", "src", "dest", "actor", "summary"].map((c) => h("th", {}, c))));
  for (const e of evs) {
    const actor = e.alert && e.alert.metadata && e.alert.metadata.actor ? e.alert.metadata.actor.join(", ") : "";
    const sev = e.alert ? "sev" + e.alert.severity : "";
    const row = h("tr", { class: "click" },
      h("td", { class: "mono" }, fmtTime(e.timestamp)), h("td", {}, e.hub.sensor), h("td", { class: sev }, e.event_type),
      h("td", { class: "mono" }, e.src_ip || ""), h("td", { class: "mono" }, e.dest_ip || ""),
      h("td", {}, actor ? link("#/actor/" + encodeURIComponent(actor.split(", ")[0]), actor) : ""),
      h("td", {}, summaryOf(e)));
    const detail = h("tr", { hidden: "" }, h("td", { colspan: 7 }, h("pre", { class: "raw" }, JSON.stringify(e, null, 2))));
    row.addEventListener("click", () => { detail.hidden = !detail.hidden; });
    tbl.append(row, detail);
  }
  return tbl;
}

function incidentHref(i) {
  return "#/incident?" + qs({ actor: i.actor, victim: i.victim, since: i.first_seen, until: i.last_seen, id: i.id });
}
function incidentTable(list) {
  return h("table", { id: "incident-table" },
    h("tr", {}, ["actor", "victim", "first seen", "last seen", "events", "sensors", "techniques"].map((c) => h("th", {}, c))),
    list.map((i) => h("tr", { class: "click", onclick: () => { location.hash = incidentHref(i); } },
      h("td", {}, i.actor), h("td", { class: "mono" }, i.victim), h("td", { class: "mono" }, fmtTime(i.first_seen)),
      h("td", { class: "mono" }, fmtTime(i.last_seen)), h("td", {}, i.events), h("td", {}, i.sensors.join(", ")),
      h("td", {}, i.techniques.map((t) => h("span", { class: "tag" }, t))))));
}
async function incidents(params) {
  const res = await api("/api/v1/incidents?" + qs({ limit: 200, actor: params.get("actor"), window: params.get("window") }));
  return h("div", {}, h("h1", {}, "Incidents"),
    h("p", { class: "dim" }, `${res.incidents.length} most recent incidents (actor + victim, gap ≤ ${res.window / 60} min)` +
      (res.since ? `, since ${fmtTime(res.since)}` : "") + (res.truncated ? " — truncated" : "")),
    h("div", { class: "card" }, incidentTable(res.incidents)));
}
async function incident(params) {
  // until is exclusive in the API; widen by a second so the last event is included.
  const until = new Date(Date.parse(params.get("until").replace(/(\.\d{3})\d*/, "$1")) + 1000).toISOString();
  const res = await api("/api/v1/events?" + qs({ actor: params.get("actor"), victim: params.get("victim"),
    since: params.get("since"), until, limit: 1000 }));
  const evs = res.events.slice().reverse();
  // Timeline: one mark per event along the incident's time span, a row per signature.
  const t0 = Date.parse(evs[0].timestamp.replace("+0000", "Z")), t1 = Date.parse(evs[evs.length - 1].timestamp.replace("+0000", "Z"));
  const sigs = [...new Set(evs.map(summaryOf))];
  const W = 720, row = 18, left = 260;
  const g = svg("svg", { viewBox: `0 0 ${W} ${sigs.length * row + 20}`, width: "100%" });
  sigs.forEach((s, i) => g.append(svg("text", { x: 0, y: i * row + 12 }, s.slice(0, 42))));
  for (const e of evs) {
    const t = Date.parse(e.timestamp.replace("+0000", "Z"));
    const x = left + ((W - left - 10) * (t - t0)) / Math.max(1, t1 - t0);
    g.append(svg("circle", { class: "b", cx: x, cy: sigs.indexOf(summaryOf(e)) * row + 8, r: 4 },
      svg("title", {}, fmtTime(e.timestamp) + " " + e.hub.sensor)));
  }
  return h("div", {}, h("h1", {}, `Incident: ${params.get("actor")} → ${params.get("victim")}`),
    h("p", { class: "dim" }, `${fmtTime(params.get("since"))} — ${fmtTime(params.get("until"))}, ${evs.length} events`),
    h("div", { class: "grid" }, h("div", { class: "card wide" }, h("h2", {}, "Timeline"), g),
      h("div", { class: "card wide" }, h("h2", {}, "Events"), eventTable(evs))));
}
async function actors() {
  const res = await api("/api/v1/actors");
  return h("div", {}, h("h1", {}, "Actors"),
    h("div", { class: "card" }, barTable(res.actors, "actor", (k) => "#/actor/" + encodeURIComponent(k))));
}
async function actor(name) {
  const [a, recent, inc] = await Promise.all([api("/api/v1/actors/" + encodeURIComponent(name)),
    api("/api/v1/events?" + qs({ actor: name, limit: 25 })), api("/api/v1/incidents?" + qs({ actor: name, limit: 20 }))]);
  const tech = a.techniques.map((t) => ({ key: t.name ? `${t.id} ${t.name}` : t.id, count: t.count }));
  return h("div", {}, h("h1", {}, a.name),
    h("p", {}, a.mitre_id ? h("span", { class: "tag" }, a.mitre_id) : null,
      (a.aliases || []).map((x) => h("span", { class: "tag" }, x))),
    a.description ? h("p", { class: "dim" }, a.description.slice(0, 600)) : null,
    h("p", { class: "dim" }, `${a.events} events, ${fmtTime(a.first_seen)} — ${fmtTime(a.last_seen)}`),
    h("div", { class: "grid" },
      h("div", { class: "card wide" }, h("h2", {}, "Activity per hour"), timeChart(fillGaps(a.by_hour, "hour"))),
      card("Techniques", barTable(tech, "technique", null)),
      card("Victims", barTable(a.victims, "victim", (k) => "#/events?" + qs({ actor: name, victim: k }))),
      card("Sensors", barTable(a.sensors, "sensor", null)),
      card("Incidents", incidentTable(inc.incidents)),
      h("div", { class: "card wide" }, h("h2", {}, "Recent activity"), eventTable(recent.events))));
}

// ---- shell ------------------------------------------------------------------------------
function signOut(msg) {
  sessionStorage.removeItem("bongsu.token");
  $("#signin-error").textContent = msg || "";
  show(false);
}
function show(signedIn) {
  $("#signin").hidden = signedIn;
  $("#nav").hidden = !signedIn;
  $("#signout").hidden = !signedIn;
  if (!signedIn) { view().replaceChildren(); $("#who").textContent = ""; }
}
async function route() {
  if (!token()) return show(false);
  show(true);
  const [path, query] = (location.hash.slice(1) || "/dashboard").split("?");
  const params = new URLSearchParams(query || "");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", path.startsWith(a.getAttribute("href").slice(1))));
  view().replaceChildren(h("p", { class: "dim" }, "loading…"));
  try {
    let el;
    if (path === "/events") el = await events(params);
    else if (path === "/incidents") el = await incidents(params);
    else if (path === "/incident") el = await incident(params);
    else if (path === "/actors") el = await actors();
    else if (path.startsWith("/actor/")) el = await actor(decodeURIComponent(path.slice(7)));
    else el = await dashboard();
    view().replaceChildren(el);
    sizeBars(view());
  } catch (err) {
    if (err.message !== "401") view().replaceChildren(h("p", { class: "error" }, "Error: " + err.message));
  }
}
$("#signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const t = $("#token").value.trim();
  const r = await fetch("/api/v1/whoami", { headers: { Authorization: "Bearer " + t } });
  const who = r.ok ? await r.json() : null;
  if (!who || (who.role !== "analyst" && who.role !== "admin")) {
    $("#signin-error").textContent = who ? `A ${who.role} token cannot use the console.` : "Token rejected.";
    return;
  }
  sessionStorage.setItem("bongsu.token", t);
  $("#token").value = "";
  $("#who").textContent = `${who.name} (${who.role})`;
  route();
});
$("#signout").addEventListener("click", () => signOut(""));
window.addEventListener("hashchange", route);
if (token()) api("/api/v1/whoami").then((w) => { $("#who").textContent = `${w.name} (${w.role})`; }).catch(() => {});
route();
