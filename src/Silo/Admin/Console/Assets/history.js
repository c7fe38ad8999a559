// The record: the sessions history (GET /audit/sessions) with its filters, and what a session's page
// shows besides its timeline: its verification from the hash chain, its replay as `sessions play`
// prints it, and an End button while it is live. Loaded after app.js, whose helpers ($, el, api, state) it uses.
"use strict";

window.consolePages = window.consolePages || {};

(() => {
  const filters = () => {
    const query = new URLSearchParams();
    const add = (name, value) => { if (value) query.set(name, value); };
    add("identity", $("history-identity").value.trim());
    add("target", $("history-target").value.trim());
    // datetime-local is the browser's local time; the API takes an instant.
    add("from", $("history-from").value && new Date($("history-from").value).toISOString());
    add("to", $("history-to").value && new Date($("history-to").value).toISOString());
    add("decision", $("history-decision").value);
    if ($("history-flagged").checked) query.set("flagged", "true");
    return query;
  };

  const decisions = (s) => [["blocked", s.blocked], ["held", s.held], ["masked", s.masked]]
    .filter(([, n]) => n > 0).map(([name, n]) => el("span", { class: `tag ${name}` }, `${n} ${name}`));

  function renderHistory(history) {
    $("history-list").replaceChildren(...history.sessions.map((s) => el("tr", { "data-session": s.id },
      el("td", {}, el("a", { href: `#session/${s.id}` }, new Date(s.start).toLocaleString())),
      el("td", {}, s.identity),
      el("td", {}, s.target),
      el("td", {}, s.statements),
      el("td", {}, ...decisions(s)),
      el("td", {}, s.live ? el("span", { class: "tag live" }, "live") : s.end ? new Date(s.end).toLocaleString() : "no seal"))));
    $("history-empty").hidden = history.sessions.length > 0;
    $("history-behind").textContent = history.behind || (history.sessions.length === history.limit
      ? `The newest ${history.limit} sessions; narrow the filters to see older ones.` : "");
  }

  window.consolePages.history = {
    async refresh() {
      renderHistory(await api(`/audit/sessions?${filters()}`));
      $("history-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
      $("history-error").textContent = "";
    },
  };
  for (const id of ["history-identity", "history-target", "history-from", "history-to", "history-decision", "history-flagged"]) {
    $(id).addEventListener("change", () => window.consolePages.history.refresh().catch((e) => { $("history-error").textContent = e.message; }));
  }
  $("history-form").addEventListener("submit", (event) => { event.preventDefault(); window.consolePages.history.refresh(); });

  // A session's page: verification and replay are read again only when the record grew (or every 10 s).
  const record = { id: null, seen: null, checkedAt: 0, transcript: null, playing: null };

  function renderVerification(v) {
    const badge = $("session-verification");
    badge.className = `badge ${v.intact ? "intact" : "broken"}`;
    badge.dataset.intact = v.intact;
    badge.textContent = v.intact
      ? `verified: ${v.status}, ${v.events} events${v.detail ? ` (${v.detail})` : ""}`
      : `BROKEN: ${v.kind} at position ${v.position}: ${v.detail}`;
  }

  function renderTranscript(transcript, upTo = Infinity) {
    const lines = [`-- session ${transcript.id}: ${transcript.identity} on ${transcript.target}, started ${new Date(transcript.start).toLocaleString()}`];
    for (const statement of transcript.statements.slice(0, upTo)) lines.push(...statement.lines);
    if (transcript.end && upTo >= transcript.statements.length) lines.push(`-- session ended ${new Date(transcript.end).toLocaleString()}: ${transcript.endReason}`);
    $("session-replay").textContent = lines.join("\n");
  }

  // Plays the statements at their recorded pace (pauses capped at 2 s), as `sessions play` does in a terminal.
  async function play() {
    const transcript = record.transcript;
    if (!transcript) return;
    const run = record.playing = {};
    let previous = 0;
    for (let shown = 0; shown <= transcript.statements.length; shown++) {
      if (record.playing !== run) return;
      renderTranscript(transcript, shown);
      const next = transcript.statements[shown];
      if (!next) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, Math.max(150, next.offsetMs - previous))));
      previous = next.offsetMs;
    }
    record.playing = null;
  }
  $("session-play").addEventListener("click", () => play());

  $("session-end").addEventListener("click", async () => {
    if (!window.confirm(`End session ${record.id}?`)) return;
    try {
      await api(`/sessions/${encodeURIComponent(record.id)}`, { method: "DELETE" });
      $("session-error").textContent = "";
    } catch (error) {
      $("session-error").textContent = error.message;
    }
  });

  window.consolePages.sessionRecord = {
    async refresh(timeline) {
      if (record.id !== timeline.id) {
        Object.assign(record, { id: timeline.id, seen: null, checkedAt: 0, transcript: null, playing: null });
        $("session-verification").textContent = "verifying…";
        $("session-verification").className = "badge";
      }
      const seen = `${timeline.entries.length}/${timeline.entries.filter((e) => e.outcome).length}/${timeline.end || ""}`;
      const [live] = await Promise.all([
        state.me.admin ? api("/sessions").then((sessions) => sessions.some((s) => s.id === timeline.id)) : Promise.resolve(false),
        (seen !== record.seen || Date.now() - record.checkedAt > 10000) ? (async () => {
          const [verification, transcript] = await Promise.all([
            api(`/sessions/${encodeURIComponent(timeline.id)}/verification`),
            api(`/sessions/${encodeURIComponent(timeline.id)}/transcript`)]);
          Object.assign(record, { seen, checkedAt: Date.now(), transcript });
          renderVerification(verification);
          if (!record.playing) renderTranscript(transcript);
        })() : Promise.resolve(),
      ]);
      $("session-end").hidden = !live;
    },
  };
})();
