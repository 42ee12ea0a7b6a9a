// Charts of the reports and of the before/after comparison, drawn with Chart.js from the figures
// the page embeds (the same figures as its table and CSV).
(() => {
  "use strict";

  if (typeof Chart === "undefined") return;
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const $ = (id) => document.getElementById(id);
  const headingOf = (canvas) => canvas.closest("section").querySelector("h2").textContent;
  const round = (value) => (value === null || value === undefined ? null : Math.round(value));
  const pct = (value) => (value === null || value === undefined ? null : Math.round(value * 1000) / 10);
  const base = { animation: false, responsive: true, maintainAspectRatio: false };
  const COLOURS = { talk: "#0b5cad", hold: "#f0a500", acw: "#7a4fb3", ok: "#1b7f3b", bad: "#b3261e", grey: "#5b6571" };
  const words = data.words;

  function draw(id, type, labels, datasets, options) {
    const canvas = $(id);
    if (!canvas) return;
    new Chart(canvas, { type, data: { labels, datasets }, options: { ...base, ...options } });
  }

  if (data.trend) {
    const periods = data.trend.map((point) => point.period);
    const line = data.period !== "range" && periods.length > 1;
    draw("contacts-chart", "bar", periods, [
      { label: words.answered, data: data.trend.map((p) => p.answered), backgroundColor: COLOURS.ok },
      { label: words.abandoned, data: data.trend.map((p) => p.abandoned), backgroundColor: COLOURS.bad },
    ], { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
    draw("aht-chart", "bar", periods, [
      { label: words.talk, data: data.trend.map((p) => round(p.average_talk_seconds)), backgroundColor: COLOURS.talk },
      { label: words.hold, data: data.trend.map((p) => round(p.average_hold_seconds)), backgroundColor: COLOURS.hold },
      { label: words.acw, data: data.trend.map((p) => round(p.average_after_call_work_seconds)), backgroundColor: COLOURS.acw },
    ], { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
    draw("rates-chart", line ? "line" : "bar", periods, [
      { label: words.sl, data: data.trend.map((p) => pct(p.service_level)), borderColor: COLOURS.ok, backgroundColor: COLOURS.ok, spanGaps: true },
      { label: words.repeat, data: data.trend.map((p) => pct(p.repeat_rate)), borderColor: COLOURS.bad, backgroundColor: COLOURS.bad, spanGaps: true },
      { label: words.identified, data: data.trend.map((p) => pct(p.identified_share)), borderColor: COLOURS.talk, backgroundColor: COLOURS.talk, spanGaps: true },
    ], { scales: { y: { min: 0, max: 100 } } });
  }

  if (data.before && data.after) {
    const sides = [data.before, data.after];
    draw("compare-aht-chart", "bar", data.labels, [
      { label: words.talk, data: sides.map((s) => round(s.average_talk_seconds)), backgroundColor: COLOURS.talk },
      { label: words.hold, data: sides.map((s) => round(s.average_hold_seconds)), backgroundColor: COLOURS.hold },
      { label: words.acw, data: sides.map((s) => round(s.average_after_call_work_seconds)), backgroundColor: COLOURS.acw },
    ], { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } } });
    const rateNames = [words.repeat, words.identified, words.sl];
    draw("compare-rates-chart", "bar", rateNames, sides.map((side, index) => ({
      label: data.labels[index],
      data: [pct(side.repeat_rate), pct(side.identified_share), pct(side.service_level)],
      backgroundColor: index === 0 ? COLOURS.grey : COLOURS.talk,
    })), { scales: { y: { min: 0, max: 100 } } });
  }
  // Headings double as chart titles for screen readers that skip the canvas.
  for (const canvas of document.querySelectorAll("canvas[role=img]")) {
    if (!canvas.getAttribute("aria-label")) canvas.setAttribute("aria-label", headingOf(canvas));
  }
})();
