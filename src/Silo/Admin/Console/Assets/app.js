// The OrleansGate console: a page over the admin API. It signs in with a token (the gateway sets
// an HttpOnly cookie), then polls the API; every change carries the CSRF token the gateway gave.
// No library, no markup built from strings: every value goes in as text.
"use strict";

const state = { me: null, timer: null };
// Pages the scripts loaded after this one add (history.js, audit.js), by section id; each may say who may open it.
const extraPages = window.consolePages = window.consolePages || {};
const mayOpen = (id) => Boolean(extraPages[id]) && Boolean($(id)) && (!extraPages[id].allowed || extraPages[id].allowed(state.me));
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = { "Accept": "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}) };
  if (options.method && options.method !== "GET" && state.me && state.me.csrf) {
    headers["X-OrleansGate-Csrf"] = state.me.csrf;
  }
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((body && body.error) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// SQL keywords in bold, string literals in green: built from text nodes only.
const keywords = new Set(("select from where and or not insert into update delete copy to stdout stdin with as join on left right inner " +
  "outer group by order limit offset values set create alter drop table begin commit rollback returning union all distinct case when " +
  "then else end in is null like execute prepare fetch declare cursor truncate grant revoke").split(" "));
function highlight(sql) {
  const pre = el("pre", { class: "sql" });
  for (const part of sql.split(/('(?:[^']|'')*'|\b[A-Za-z_]+\b)/)) {
    if (!part) continue;
    if (part.startsWith("'")) pre.append(el("span", { class: "str" }, part));
    else if (keywords.has(part.toLowerCase())) pre.append(el("span", { class: "kw" }, part));
    else pre.append(document.createTextNode(part));
  }
  pre.addEventListener("click", () => pre.classList.toggle("full"));
  pre.title = "Click to show it all";
  return pre;
}

function duration(seconds) {
  if (seconds < 0) return "expired";
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.floor(seconds % 60);
  return (h ? `${h}h ` : "") + (h || m ? `${m}m ` : "") + `${s}s`;
}

function mayDecide(request) {
  return state.me && request.requester !== state.me.identity &&
    request.approverGroups.some((group) => state.me.groups.includes(group)) &&
    !(request.approvals || []).some((vote) => vote.approver === state.me.identity);
}

async function decide(request, verb) {
  const body = {};
  if (verb === "deny") {
    const reason = window.prompt(`Why deny ${request.id}?`);
    if (!reason) return;
    body.reason = reason;
  } else if (verb === "window") {
    const window_ = window.prompt("Approve statements of the same shape for how long? (hh:mm:ss)", "00:10:00");
    if (!window_) return;
    body.window = window_;
  }
  try {
    await api(`/approvals/${encodeURIComponent(request.id)}/${verb === "deny" ? "deny" : "approve"}`, { method: "POST", body: JSON.stringify(body) });
    $("approvals-error").textContent = "";
  } catch (error) {
    $("approvals-error").textContent = `${request.id}: ${error.message}`;
  }
  await refresh();
}

function renderApprovals(requests) {
  const list = $("approvals-list");
  list.replaceChildren(...requests.map((request) => {
    const left = (new Date(request.expires) - Date.now()) / 1000;
    const details = el("dl", {},
      el("dt", {}, "Requester"), el("dd", {}, request.requester),
      el("dt", {}, "Target"), el("dd", {}, request.target),
      el("dt", {}, "Rule"), el("dd", {}, request.rule),
      el("dt", {}, "Waiting"), el("dd", {}, request.age),
      el("dt", {}, "Time left"), el("dd", {}, duration(left)),
      el("dt", {}, "Approvals"), el("dd", {}, `${(request.approvals || []).length} of ${request.minApprovals}`),
      el("dt", {}, "Approvers"), el("dd", {}, request.approverGroups.join(", ")));
    const estimates = (request.estimatedRows || []).filter((rows) => rows !== null);
    if (estimates.length > 0) {
      // The planner's estimate (EXPLAIN, never run) for a bulk-read hold: what the approver is asked to let out.
      details.append(el("dt", {}, "Estimated rows"), el("dd", { "data-estimate": "" }, estimates.map((rows) => rows.toLocaleString("en")).join(", ")));
    }
    const actions = el("div", { class: "actions" });
    if (mayDecide(request)) {
      actions.append(
        el("button", { type: "button", class: "approve", "data-action": "approve", onclick: () => decide(request, "approve") }, "Approve"),
        el("button", { type: "button", "data-action": "window", onclick: () => decide(request, "window") }, "Approve for a window"),
        el("button", { type: "button", class: "deny", "data-action": "deny", onclick: () => decide(request, "deny") }, "Deny"));
    } else {
      const approved = (request.approvals || []).some((vote) => vote.approver === state.me.identity);
      actions.append(el("span", { class: "muted" }, request.requester === state.me.identity ? "Your own request: someone else approves it."
        : approved ? "You approved it; it waits for another approver." : "Not yours to approve."));
    }
    return el("article", { class: "card", "data-approval": request.id }, el("strong", {}, request.id), highlight(request.sql), details, actions);
  }));
  $("approvals-empty").hidden = requests.length > 0;
}

function renderSessions(sessions) {
  $("sessions-list").replaceChildren(...sessions.map((session) => el("tr", { "data-session": session.id },
    el("td", {}, session.identity), el("td", {}, session.target), el("td", {}, session.clientAddress || ""),
    el("td", {}, session.applicationName || ""), el("td", {}, new Date(session.startedAt).toLocaleTimeString()),
    el("td", {}, session.heldApproval || ""),
    el("td", {}, el("a", { href: `#session/${session.id}` }, "Timeline")),
    el("td", {}, state.me.admin
      ? el("button", { type: "button", class: "deny", onclick: () => endSession(session) }, "End")
      : ""))));
}

async function endSession(session) {
  if (!window.confirm(`End the session of ${session.identity} on ${session.target}?`)) return;
  try {
    await api(`/sessions/${encodeURIComponent(session.id)}`, { method: "DELETE" });
  } catch (error) {
    $("sessions-error").textContent = error.message;
  }
  await refresh();
}

function view() {
  if (location.hash.startsWith("#session/")) return "session";
  if (location.hash === "#try") return "try";
  if (location.hash === "#policies") return "policies";
  if (mayOpen(location.hash.slice(1))) return location.hash.slice(1);
  return location.hash === "#sessions" ? "sessions" : "approvals";
}

// Each target's policy: its masks and its rules, first match wins.
function renderPolicies(targets) {
  $("policies-list").replaceChildren(...targets.map((t) => {
    const policy = t.policy;
    const card = el("article", { class: "card", "data-target": t.target },
      el("strong", {}, `${t.target}: ${policy ? policy.name : "built-in rules only"}`),
      el("div", { class: "muted" }, `used by ${t.groups.join(", ") || "nobody"}`));
    if (policy) {
      card.append(el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, "Masked column"), el("th", {}, "Strategy"), el("th", {}, "In clear for"))),
        el("tbody", {}, ...policy.masks.map((m) => el("tr", {}, el("td", {}, m.column), el("td", {}, m.strategy),
          el("td", {}, (m.unmasked || []).join(", ")))))));
      card.append(el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, "Rule"), el("th", {}, "Groups"), el("th", {}, "Kinds"), el("th", {}, "Action"))),
        el("tbody", {}, ...policy.rules.map((r) => el("tr", { "data-rule": r.name }, el("td", {}, r.name), el("td", {}, (r.groups || []).join(", ") || "all"),
          el("td", {}, (r.kinds || []).join(", ") || "all"), el("td", {}, r.action + (r.action === "hold" ? ` by ${(r.approverGroups || []).join(", ")}` : "")))))));
    }
    return card;
  }));
}

// One session's record: every statement with what was decided and how it ended (masked as stored).
function renderTimeline(timeline) {
  $("session-id").textContent = timeline.id;
  $("session-summary").textContent = `${timeline.identity} on ${timeline.target}, from ${new Date(timeline.start).toLocaleString()}` +
    (timeline.end ? ` to ${new Date(timeline.end).toLocaleString()} (${timeline.endReason})` : " (open)");
  $("session-entries").replaceChildren(...timeline.entries.map((entry) => el("tr", { "data-sequence": entry.sequence },
    el("td", {}, entry.sequence),
    el("td", {}, highlight(entry.sql)),
    el("td", { "data-decision": (entry.action || "").toLowerCase() }, `${entry.action || "?"} (${entry.rule || ""})`,
      ...(entry.approvalSteps || []).map((step) => el("div", { class: "muted" }, step))),
    el("td", {}, [entry.outcome, entry.commandTag, entry.errorMessage].filter(Boolean).join(" · ")))));
}

async function refresh() {
  const current = view();
  if (current === "try") return; // answered on demand, not polled
  try {
    if (current === "approvals") {
      // The listing leaves out the votes: a request that needs several is read whole.
      const requests = await api("/approvals");
      await Promise.all(requests.filter((r) => r.minApprovals > 1).map(async (r) => {
        r.approvals = (await api(`/approvals/${encodeURIComponent(r.id)}`)).approvals || [];
      }));
      renderApprovals(requests);
      $("approvals-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } else if (current === "policies") {
      renderPolicies(await api("/policies"));
      await refreshPolicyVersions(); // policy-versions.js
    } else if (current === "session") {
      const timeline = await api(`/sessions/${encodeURIComponent(location.hash.slice("#session/".length))}/timeline`);
      renderTimeline(timeline);
      if (extraPages.sessionRecord) await extraPages.sessionRecord.refresh(timeline);
      $("session-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } else if (mayOpen(current)) {
      await extraPages[current].refresh();
    } else {
      renderSessions(await api("/sessions"));
      $("sessions-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    }
  } catch (error) {
    if (error.status === 401) return showSignIn();
    $(`${current}-error`).textContent = error.message;
  }
}

function show(current) {
  for (const id of ["signin", "approvals", "sessions", "session", "try", "policies"]) $(id).hidden = id !== current;
  for (const id of Object.keys(extraPages).filter((id) => $(id))) {
    $(id).hidden = id !== current;
    if ($(`nav-${id}`)) {
      $(`nav-${id}`).hidden = !state.me || !mayOpen(id);
      $(`nav-${id}`).classList.toggle("current", current === id);
    }
  }
  $("nav").hidden = $("who").hidden = current === "signin";
  $("nav-approvals").classList.toggle("current", current === "approvals");
  $("nav-sessions").classList.toggle("current", current === "sessions");
  $("nav-try").classList.toggle("current", current === "try");
  $("nav-policies").classList.toggle("current", current === "policies");
}

function showSignIn() {
  state.me = null;
  clearInterval(state.timer);
  show("signin");
}

async function start() {
  try {
    state.me = await api("/console/me");
  } catch {
    return showSignIn();
  }
  $("identity").textContent = `${state.me.identity} (${state.me.groups.join(", ")})`;
  show(view());
  await refresh();
  clearInterval(state.timer);
  state.timer = setInterval(refresh, 2000);
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/console/signin", { method: "POST", body: JSON.stringify({ token: $("token").value }) });
    $("token").value = "";
    $("signin-error").textContent = "";
    await start();
  } catch (error) {
    $("signin-error").textContent = error.message;
  }
});
$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await api("/policies/dry-run", { method: "POST", body: JSON.stringify({
      identity: $("try-identity").value, target: $("try-target").value, sql: $("try-sql").value }) });
    $("try-results").replaceChildren(...result.statements.map((d) => el("tr", {},
      el("td", {}, highlight(d.sql)),
      el("td", { "data-decision": d.action.toLowerCase() }, `${d.action} (${d.rule})`, ...(d.message ? [el("div", { class: "muted" }, d.message)] : [])),
      el("td", {}, ...d.masked.map((m) => el("div", {}, `${m.column}: ${m.strategy || "masked"} (${m.reason})`))))));
    $("try-error").textContent = "";
  } catch (error) {
    $("try-results").replaceChildren();
    $("try-error").textContent = error.message;
  }
});
$("signout").addEventListener("click", async () => {
  await api("/console/signout", { method: "POST" }).catch(() => {});
  showSignIn();
});
window.addEventListener("hashchange", () => { if (state.me) { show(view()); refresh(); } });
// After every deferred script has run: the pages they add are registered by then.
document.addEventListener("DOMContentLoaded", start);
