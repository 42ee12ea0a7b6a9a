// The supervisor's wallboard: one websocket that brings the whole picture at most once a second
// while anything changes; it reconnects by itself. Clocks (longest wait, time in state) tick here
// between messages. Nothing from the server is parsed as HTML.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const labels = JSON.parse($("wallboard-labels").textContent);
  let stats = JSON.parse($("wallboard-state").textContent);
  let receivedAt = Date.now();
  const charts = {};
  const { element } = window.SupervisorLive;
  const DESK_COLOURS = { contact_center: "#0b5cad", service_center: "#b35c00" };
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "ja", {
    timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });

  const elapsed = () => Math.floor((Date.now() - receivedAt) / 1000);
  const clock = (seconds) => window.SupervisorLive.clock(seconds, labels.none);
  const percent = (rate) => (rate === null || rate === undefined ? labels.none : `${(rate * 100).toFixed(1)}%`);
  const seconds = (value) => clock(value);
  // "met" / "missed" against the queue's (or desk's) target; nothing without a figure.
  function mark(node, rate, target, higherIsBetter) {
    if (rate === null || rate === undefined || target === null || target === undefined) return node;
    const met = higherIsBetter ? rate >= target : rate <= target;
    node.dataset.target = met ? "met" : "missed";
    node.classList.add(met ? "target-met" : "target-missed");
    node.title = `${labels.target}: ${(target * 100).toFixed(0)}%`;
    return node;
  }
  const deskName = (desk) => labels.desks[desk] || desk;
  const waitClock = (entry) => clock(entry.waiting ? entry.longest_wait_s + elapsed() : 0);

  // --- figures ---
  function tile(desk) {
    const box = element("article", null, { class: "card tile", "data-desk": desk.desk });
    box.append(element("h2", deskName(desk.desk)));
    const figures = element("dl");
    const add = (label, value, name) => {
      const wrapper = element("div");
      wrapper.append(element("dt", label), element("dd", value, { "data-figure": name }));
      figures.append(wrapper);
    };
    add(labels.call_states.waiting, String(desk.waiting), "waiting");
    add(labels.answered, String(desk.answered_today), "answered_today");
    add(labels.abandoned, String(desk.abandoned_today), "abandoned_today");
    add(labels.aht, seconds(desk.aht_s), "aht_s");
    add(labels.service_level, percent(desk.service_level), "service_level");
    add(labels.abandonment, percent(desk.abandonment_rate), "abandonment_rate");
    mark(figures.querySelector('[data-figure="service_level"]'), desk.service_level, desk.service_level_target, true);
    mark(figures.querySelector('[data-figure="abandonment_rate"]'), desk.abandonment_rate, desk.abandonment_target, false);
    add(labels.states.available, String(desk.agents.available || 0), "available_agents");
    const wait = element("p", null, { class: "longest-wait" });
    wait.append(element("span", `${labels.longest_wait}: `), element("span", waitClock(desk), { "data-figure": "longest_wait" }));
    box.append(figures, wait);
    return box;
  }

  // A call waiting past the threshold is flagged in its queue's row, the clock moving it there.
  const waitsTooLong = (entry) => entry.waiting > 0 && entry.longest_wait_s + elapsed() > stats.long_wait_alert_s;

  function longWaitCell(queue) {
    const cell = element("td", waitClock(queue), { "data-figure": "longest_wait", class: "number" });
    markLongWait(cell, queue);
    return cell;
  }

  function markLongWait(cell, queue) {
    const alert = waitsTooLong(queue);
    cell.classList.toggle("long-wait", alert);
    cell.title = alert ? labels.long_wait.replace("{seconds}", String(stats.long_wait_alert_s)) : "";
    if (alert) cell.dataset.alert = "long_wait";
    else delete cell.dataset.alert;
  }

  function queueRow(queue) {
    const row = element("tr", null, { "data-queue": queue.name });
    const cell = (value, figure, numeric = true) =>
      element("td", value, { ...(figure ? { "data-figure": figure } : {}), ...(numeric ? { class: "number" } : {}) });
    row.append(
      cell(queue.label, null, false),
      cell(deskName(queue.desk), null, false),
      cell(String(queue.waiting), "waiting"),
      longWaitCell(queue),
      cell(String(queue.answered_today), "answered_today"),
      cell(String(queue.abandoned_today), "abandoned_today"),
      cell(seconds(queue.aht_s), "aht_s"),
      mark(cell(percent(queue.service_level), "service_level"), queue.service_level, queue.service_level_target, true),
      mark(cell(percent(queue.abandonment_rate), "abandonment_rate"), queue.abandonment_rate, queue.abandonment_target, false),
    );
    row.title = `${labels.service_level}: ≤ ${queue.service_level_seconds} s`;
    return row;
  }

  function rosterRow(agent) {
    const row = element("tr", null, { "data-agent": agent.agent, "data-state": agent.state });
    const state = element("td");
    state.append(element("span", labels.states[agent.state] || agent.state, { class: "badge", "data-state": agent.state }));
    const call = agent.call;
    let callText = labels.none;
    if (call) {
      const parts = [call.queue_label || call.queue, labels.call_states[call.state] || call.state, clock(call.seconds + elapsed())];
      if (call.identified_at_offer) parts.push(labels.identified);
      callText = parts.join(" · ");
    }
    row.append(
      element("td", agent.name || agent.agent),
      element("td", deskName(agent.desk)),
      state,
      element("td", clock(agent.seconds_in_state + elapsed()), { class: "number", "data-figure": "time_in_state" }),
      element("td", callText, { "data-figure": "call" }),
    );
    return row;
  }

  function render() {
    $("stats-at").textContent = timeFormat.format(new Date(stats.at));
    $("stats-at").dateTime = stats.at;
    $("desk-tiles").replaceChildren(...stats.desks.map(tile));
    $("queue-rows").replaceChildren(...stats.queues.map(queueRow));
    $("roster-rows").replaceChildren(...stats.roster.map(rosterRow));
    for (const [state, count] of Object.entries(stats.agents)) {
      const figure = document.querySelector(`#agent-states [data-figure="agents.${state}"]`);
      if (figure) figure.textContent = String(count);
    }
    renderCharts();
  }

  // Every second, the clocks move on from the last message.
  function tick() {
    const byName = Object.fromEntries(stats.queues.map((queue) => [queue.name, queue]));
    for (const row of document.querySelectorAll("#queue-rows tr")) {
      const queue = byName[row.dataset.queue];
      if (!queue) continue;
      const cell = row.querySelector('[data-figure="longest_wait"]');
      cell.textContent = waitClock(queue);
      markLongWait(cell, queue);
    }
    const byDesk = Object.fromEntries(stats.desks.map((desk) => [desk.desk, desk]));
    for (const box of document.querySelectorAll("#desk-tiles [data-desk]")) {
      const desk = byDesk[box.dataset.desk];
      if (desk) box.querySelector('[data-figure="longest_wait"]').textContent = waitClock(desk);
    }
    const byAgent = Object.fromEntries(stats.roster.map((agent) => [agent.agent, agent]));
    for (const row of document.querySelectorAll("#roster-rows tr")) {
      const agent = byAgent[row.dataset.agent];
      if (agent) row.querySelector('[data-figure="time_in_state"]').textContent = clock(agent.seconds_in_state + elapsed());
    }
  }

  // --- charts (Chart.js from npm, served from node_modules) ---
  function hourly() {
    const hours = new Map();
    for (const entry of stats.intervals) {
      const desk = (stats.queues.find((queue) => queue.name === entry.queue) || {}).desk || "";
      const key = entry.hour;
      if (!hours.has(key)) hours.set(key, {});
      const perDesk = hours.get(key);
      const total = perDesk[desk] || (perDesk[desk] = { answered: 0, abandoned: 0, within: 0, handled: 0, handle: 0 });
      total.answered += entry.answered;
      total.abandoned += entry.abandoned;
      total.within += entry.answered_within_service_level;
      total.handled += entry.handled;
      total.handle += entry.handle_s;
    }
    const sorted = [...hours.keys()].sort((a, b) => a - b);
    if (sorted.length === 0) return { hours: [], perHour: [] };
    const range = [];
    for (let hour = sorted[0]; hour <= sorted[sorted.length - 1]; hour += 1) range.push(hour);
    return { hours: range, perHour: range.map((hour) => hours.get(hour) || {}) };
  }

  function sum(perDesk, name) {
    return Object.values(perDesk).reduce((total, desk) => total + desk[name], 0);
  }

  function chart(id, type, options) {
    if (typeof Chart === "undefined") return null;
    if (!charts[id]) {
      charts[id] = new Chart($(id), {
        type,
        data: { labels: [], datasets: [] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, ...options },
      });
    }
    return charts[id];
  }

  function renderCharts() {
    const { hours, perHour } = hourly();
    const hourLabels = hours.map((hour) => `${String(hour).padStart(2, "0")}:00`);
    const desks = stats.desks.map((desk) => desk.desk);

    const calls = chart("calls-chart", "bar", { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
    if (calls) {
      calls.data.labels = hourLabels;
      calls.data.datasets = [
        { label: labels.answered, data: perHour.map((d) => sum(d, "answered")), backgroundColor: "#1b7f3b" },
        { label: labels.abandoned, data: perHour.map((d) => sum(d, "abandoned")), backgroundColor: "#b3261e" },
      ];
      calls.update();
    }
    const aht = chart("aht-chart", "line", { scales: { y: { beginAtZero: true } } });
    if (aht) {
      aht.data.labels = hourLabels;
      aht.data.datasets = desks.map((desk) => ({
        label: deskName(desk),
        borderColor: DESK_COLOURS[desk],
        backgroundColor: DESK_COLOURS[desk],
        spanGaps: true,
        data: perHour.map((d) => (d[desk] && d[desk].handled ? Math.round(d[desk].handle / d[desk].handled) : null)),
      }));
      aht.update();
    }
    const level = chart("sl-chart", "line", { scales: { y: { min: 0, max: 100 } } });
    if (level) {
      level.data.labels = hourLabels;
      level.data.datasets = desks.map((desk) => ({
        label: deskName(desk),
        borderColor: DESK_COLOURS[desk],
        backgroundColor: DESK_COLOURS[desk],
        spanGaps: true,
        data: perHour.map((d) => {
          const done = d[desk] ? d[desk].answered + d[desk].abandoned : 0;
          return done ? Math.round((1000 * d[desk].within) / done) / 10 : null;
        }),
      }));
      level.update();
    }
  }

  window.SupervisorLive.showConnection(false, labels);
  render();
  const live = window.SupervisorLive.connect({
    labels,
    onMessage: (message) => {
      if (message.type === "stats") {
        stats = message;
        receivedAt = Date.now();
        render();
      }
    },
  });
  window.setInterval(() => {
    if (!live.refused) tick();
  }, 1000);
})();
