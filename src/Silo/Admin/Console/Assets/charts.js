// Plots for the console's audit views, drawn as SVG by the page itself (no library): horizontal bars
// for one number per label, stacked columns for several numbers per day. Every mark carries its
// label and value as data attributes and a <title>, so it reads on hover and in tests alike.
"use strict";

window.consoleCharts = (() => {
  const ns = "http://www.w3.org/2000/svg";
  function svg(tag, attributes = {}, ...children) {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }
  const nice = (max) => {
    if (max <= 0) return 1;
    const step = 10 ** Math.floor(Math.log10(max));
    return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= max);
  };

  // items: [{ label, value, cls? }] → one bar each, longest first as given.
  function bars(items, { unit = "", label = "chart" } = {}) {
    const row = 26, left = 170, width = 560, right = 60;
    const height = Math.max(1, items.length) * row + 8;
    const max = nice(Math.max(0, ...items.map((i) => i.value)));
    const chart = svg("svg", { viewBox: `0 0 ${left + width + right} ${height}`, role: "img", "aria-label": label, class: "chart" });
    items.forEach((item, index) => {
      const y = index * row + 4;
      const w = Math.max(item.value > 0 ? 2 : 0, (item.value / max) * width);
      chart.append(
        svg("text", { x: left - 8, y: y + row / 2 + 1, class: "axis", "text-anchor": "end", "dominant-baseline": "middle" },
          item.label.length > 26 ? item.label.slice(0, 25) + "…" : item.label),
        svg("rect", { x: left, y, width: w, height: row - 8, class: `bar ${item.cls || ""}`, "data-label": item.label, "data-value": item.value },
          svg("title", {}, `${item.label}: ${item.value}${unit}`)),
        svg("text", { x: left + w + 6, y: y + row / 2 + 1, class: "value", "dominant-baseline": "middle" }, `${item.value}${unit}`));
    });
    if (!items.length) chart.append(svg("text", { x: 8, y: 20, class: "axis" }, "nothing in this window"));
    return chart;
  }

  // categories: ["2026-12-01", …]; series: [{ name, cls, values: [n per category] }] → stacked columns with a legend.
  function stacked(categories, series, { label = "chart" } = {}) {
    const top = 24, bottom = 34, left = 40, height = 220, column = Math.max(18, Math.min(48, 640 / Math.max(1, categories.length)));
    const width = left + categories.length * column + 10;
    const totals = categories.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
    const max = nice(Math.max(0, ...totals));
    const scale = (v) => (v / max) * (height - top - bottom);
    const chart = svg("svg", { viewBox: `0 0 ${Math.max(width, 320)} ${height}`, role: "img", "aria-label": label, class: "chart" });
    chart.append(svg("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: "gridline" }),
      svg("text", { x: left - 6, y: top + 4, class: "axis", "text-anchor": "end" }, max),
      svg("text", { x: left - 6, y: height - bottom, class: "axis", "text-anchor": "end" }, 0));
    categories.forEach((category, i) => {
      let y = height - bottom;
      const x = left + i * column + 3;
      for (const s of series) {
        const h = scale(s.values[i]);
        if (s.values[i] > 0) {
          y -= h;
          chart.append(svg("rect", { x, y, width: column - 6, height: h, class: `bar ${s.cls}`, "data-label": category, "data-series": s.name,
            "data-value": s.values[i] }, svg("title", {}, `${category}: ${s.values[i]} ${s.name}`)));
        }
      }
      chart.append(svg("text", { x: x + (column - 6) / 2, y: height - bottom + 14, class: "axis", "text-anchor": "middle" }, category.slice(5)));
    });
    series.forEach((s, i) => chart.append(
      svg("rect", { x: left + i * 110, y: 4, width: 12, height: 12, class: `bar ${s.cls}` }),
      svg("text", { x: left + i * 110 + 16, y: 14, class: "axis" }, s.name)));
    return chart;
  }

  return { bars, stacked };
})();
