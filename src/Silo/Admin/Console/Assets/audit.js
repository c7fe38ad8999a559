// The audit views (administrators and auditors): the tables read most, masked/held/blocked statements
// per identity per day, held requests and how they ended; each as a table and an SVG plot
// (charts.js). Aggregates change slowly: read again every 10 s, or when the window changes.
"use strict";

window.consolePages = window.consolePages || {};

(() => {
  const loaded = { at: 0, key: null, activity: null };
  const series = [
    { name: "masked", cls: "masked", field: "masked" },
    { name: "held", cls: "held", field: "held" },
    { name: "blocked", cls: "blocked", field: "blocked" },
  ];

  function renderTables(tables) {
    $("audit-tables-plot").replaceChildren(consoleCharts.bars(
      tables.top.map((t) => ({ label: `${t.target}: ${t.relation}`, value: t.rows })), { label: "rows read per table" }));
    $("audit-tables").replaceChildren(...tables.top.map((t) => el("tr", { "data-relation": t.relation },
      el("td", {}, `${t.target}: ${t.relation}`), el("td", {}, t.rows), el("td", {}, t.statements),
      el("td", {}, t.masked), el("td", {}, t.blocked), el("td", {}, t.held))));
  }

  // Per day, the identity chosen (or everyone): one column each, stacked masked / held / blocked.
  function renderActivity(activity) {
    const select = $("audit-identity");
    const identities = [...new Set(activity.rows.map((r) => r.identity))].sort();
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "everyone"), ...identities.map((i) => el("option", { value: i }, i)));
    select.value = identities.includes(chosen) ? chosen : "";
    const rows = activity.rows.filter((r) => !select.value || r.identity === select.value);
    const days = [];
    for (let i = activity.days - 1; i >= 0; i--) days.push(new Date(Date.now() - i * 86400000).toISOString().slice(0, 10));
    $("audit-activity-plot").replaceChildren(consoleCharts.stacked(days, series.map((s) => ({
      name: s.name, cls: s.cls, values: days.map((d) => rows.filter((r) => r.day === d).reduce((sum, r) => sum + r[s.field], 0)),
    })), { label: "masked, held and blocked statements per day" }));
    $("audit-activity").replaceChildren(...rows.filter((r) => r.masked + r.held + r.blocked > 0).reverse().map((r) =>
      el("tr", { "data-identity": r.identity, "data-day": r.day }, el("td", {}, r.day), el("td", {}, r.identity), el("td", {}, r.statements),
        el("td", {}, r.masked), el("td", {}, r.held), el("td", {}, r.blocked))));
  }

  function renderHolds(holds) {
    $("audit-holds-plot").replaceChildren(consoleCharts.bars(
      Object.entries(holds.outcomes).map(([outcome, n]) => ({ label: outcome, value: n, cls: outcome })), { label: "held requests by outcome" }));
    $("audit-holds").replaceChildren(...holds.requests.map((h) => el("tr", { "data-approval": h.approvalId },
      el("td", {}, new Date(h.requestedAt).toLocaleString()), el("td", {}, h.requester), el("td", {}, `${h.target} (${h.rule})`),
      el("td", {}, el("span", { class: `tag ${h.outcome}` }, h.outcome)),
      el("td", {}, [h.decidedBy, h.reason].filter(Boolean).join(": ")),
      el("td", {}, el("a", { href: `#session/${h.session}` }, "Session")))));
  }

  window.consolePages.audit = {
    allowed: (me) => me.auditor,
    async refresh() {
      const days = $("audit-days").value;
      if (loaded.key === days && Date.now() - loaded.at < 10000) return;
      const [tables, activity, holds] = await Promise.all([
        api(`/audit/tables?days=${days}`), api(`/audit/activity?days=${days}`), api(`/audit/holds?days=${days}`)]);
      renderTables(tables);
      renderActivity(loaded.activity = activity);
      renderHolds(holds);
      Object.assign(loaded, { at: Date.now(), key: days });
      $("audit-behind").textContent = tables.behind || "";
      $("audit-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
      $("audit-error").textContent = "";
    },
  };
  $("audit-days").addEventListener("change", () => window.consolePages.audit.refresh().catch((e) => { $("audit-error").textContent = e.message; }));
  $("audit-identity").addEventListener("change", () => { if (loaded.activity) renderActivity(loaded.activity); });
})();
