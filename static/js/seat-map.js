// The supervisor's seat map: agents as tiles by desk, live over the supervisors' socket (the
// wallboard's frames, with each call's customer for this page). A help sign lights its tile and
// the alert at the top the moment it is raised; a supervisor answers by joining the call.
// Clocks tick here between frames. Nothing from the server is parsed as HTML.
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const root = $("seat-map");
  const labels = JSON.parse($("wallboard-labels").textContent);
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const me = root.dataset.me;
  const mayJoin = root.dataset.mayJoin === "true";
  const MODES = ["monitor", "whisper", "barge"];
  const { element } = window.SupervisorLive;
  let stats = JSON.parse($("wallboard-state").textContent);
  let receivedAt = Date.now();
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "ja", {
    timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });

  const elapsed = () => Math.floor((Date.now() - receivedAt) / 1000);
  const clock = (seconds) => window.SupervisorLive.clock(seconds, labels.none);
  const deskName = (desk) => labels.desks[desk] || desk;
  const inState = (agent) => agent.seconds_in_state + elapsed();
  // Past the state's threshold (settings.LONG_STATE_ALERT_SECONDS); states without one never are.
  function longInState(agent) {
    const limit = (stats.long_state_alert_s || {})[agent.state];
    return limit !== undefined && inState(agent) > limit;
  }
  const helpSeconds = (agent) => Math.max(0, (Date.now() - Date.parse(agent.help_raised_at)) / 1000);

  // An agent raised or lowered the sign: shown at once, ahead of the next frame.
  function onHelpSign(message) {
    const agent = stats.roster.find((entry) => entry.agent === message.agent);
    if (!agent) return;
    agent.help_raised_at = message.raised ? message.raised_at : null;
    render();
  }

  // --- joining ---
  async function post(url, fields) {
    const response = await fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields || {}),
      headers: { "X-CSRFToken": csrfToken },
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({ error: { message: response.statusText } }));
    $("join-message").textContent = response.ok ? answer.message || "" : answer.error.message;
    return answer;
  }
  const join = (agent, mode) => post(root.dataset.joinUrl, { agent: agent.agent, mode });
  const leave = (joined) => post(root.dataset.leaveUrl.replace(/\/0\/end$/, `/${joined.id}/end`));

  function joinButtons(agent) {
    const box = element("div", null, { class: "join-buttons" });
    if (agent.joined && agent.joined.supervisor === me) {
      const button = element("button", labels.leave, { type: "button", "data-leave": String(agent.joined.id) });
      button.addEventListener("click", () => leave(agent.joined));
      box.append(button);
      return box;
    }
    for (const mode of MODES) {
      const button = element("button", labels.join_modes[mode], { type: "button", "data-join": mode });
      button.addEventListener("click", () => join(agent, mode));
      box.append(button);
    }
    return box;
  }

  // --- tiles ---
  function customerText(call) {
    if (!call.customer) return labels.no_customer;
    const customer = call.customer;
    return [customer.name, customer.name_kana, customer.customer_number].filter(Boolean).join(" · ");
  }

  function tile(agent) {
    const raised = Boolean(agent.help_raised_at);
    const box = element("article", null, {
      class: "seat",
      "data-agent": agent.agent,
      "data-state": agent.state,
      "data-help": raised ? "raised" : "down",
      "data-long-in-state": String(longInState(agent)),
      "aria-label": agent.name || agent.agent,
    });
    box.append(element("h3", agent.name || agent.agent));
    const state = element("p");
    state.append(
      element("span", labels.states[agent.state] || agent.state, { class: "badge", "data-state": agent.state }),
      " ",
      element("span", clock(inState(agent)), { class: "seat-clock", "data-figure": "time_in_state" }),
    );
    if (longInState(agent)) state.append(" ", element("span", labels.long_in_state, { class: "badge warn", "data-flag": "long_in_state" }));
    box.append(state);
    if (raised) box.append(element("p", labels.help_since.replace("{clock}", clock(helpSeconds(agent))), { class: "help-flag", "data-figure": "help" }));
    const call = agent.call;
    if (call) {
      box.append(element("p", [call.queue_label || call.queue, labels.call_states[call.state] || call.state, clock(call.seconds + elapsed())].join(" · "), { "data-figure": "call" }));
      box.append(element("p", customerText(call), { "data-figure": "customer" }));
    }
    if (agent.joined) {
      box.append(element("p", labels.joined_by.replace("{name}", agent.joined.supervisor_name).replace("{mode}", labels.join_modes[agent.joined.mode] || agent.joined.mode), { "data-figure": "joined" }));
    }
    if (mayJoin && (call || raised || (agent.joined && agent.joined.supervisor === me))) box.append(joinButtons(agent));
    return box;
  }

  function renderHelpAlert() {
    const asking = stats.roster.filter((agent) => agent.help_raised_at);
    const alert = $("help-alert");
    alert.hidden = asking.length === 0;
    $("help-count").textContent = labels.help_alert.replace("{count}", String(asking.length));
    $("help-count").dataset.count = String(asking.length);
    $("help-names").textContent = asking.map((agent) => agent.name || agent.agent).join("、");
  }

  function renderWaiting() {
    const items = stats.queues.filter((queue) => queue.waiting > 0).map((queue) => {
      const longest = queue.longest_wait_s + elapsed();
      const item = element("li", `${queue.label}: ${queue.waiting} · ${labels.longest_wait} ${clock(longest)}`, { "data-queue": queue.name });
      if (longest > stats.long_wait_alert_s) {
        item.dataset.alert = "long_wait";
        item.title = labels.long_wait.replace("{seconds}", String(stats.long_wait_alert_s));
      }
      return item;
    });
    $("waiting-queues").replaceChildren(...(items.length ? items : [element("li", labels.none, { class: "muted" })]));
  }

  function render() {
    $("stats-at").textContent = timeFormat.format(new Date(stats.at));
    $("stats-at").dateTime = stats.at;
    const desks = [...new Set([...Object.keys(labels.desks), ...stats.roster.map((agent) => agent.desk)])];
    $("desks").replaceChildren(...desks.map((desk) => {
      const section = element("section", null, { class: "card desk-seats", "data-desk": desk });
      section.append(element("h2", deskName(desk)));
      const agents = stats.roster.filter((agent) => agent.desk === desk);
      const seats = element("div", null, { class: "seats" });
      seats.append(...agents.map(tile));
      section.append(agents.length ? seats : element("p", labels.no_agents, { class: "muted" }));
      return section;
    }));
    renderHelpAlert();
    renderWaiting();
  }

  window.SupervisorLive.showConnection(false, labels);
  render();
  const live = window.SupervisorLive.connect({
    query: "?view=seat_map",
    labels,
    onMessage: (message) => {
      if (message.type === "stats") {
        stats = message;
        receivedAt = Date.now();
        render();
      } else if (message.type === "help_sign") {
        onHelpSign(message);
      }
    },
  });
  // The clocks and flags move on every second; the tiles are small enough to draw again.
  window.setInterval(() => {
    if (!live.refused) render();
  }, 1000);
})();
