// The agent console: one websocket for screen pops, call and agent states; it reconnects by itself
// and resumes from the last sequence number it saw, so nothing is lost or shown twice.
(() => {
  "use strict";

  const root = document.getElementById("agent-console");
  const initial = JSON.parse(document.getElementById("page-state").textContent);
  const labels = initial.labels;
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const actionUrlTemplate = root.dataset.contactActionUrl;
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "ja", {
    timeZone: "Asia/Tokyo", dateStyle: "short", timeStyle: "short",
  });

  const $ = (id) => document.getElementById(id);
  // The call's times are the server's: the browser's clock is read only for how far it is off.
  const clockOffset = Date.parse(initial.server_now) - Date.now();
  const serverNow = () => Date.now() + clockOffset;

  // The server's last seq when it rendered the page, which the page already shows. Never a
  // number kept in the tab: after a sign-out the next agent in that tab has seqs of their own,
  // and a larger one left behind would hide their first messages.
  let lastSeq = initial.last_seq;
  let socket = null;
  let retryDelay = 500;
  let call = null; // {contactId, state, offeredAt, answeredAt, holdStartedAt, holdSeconds, endedAt}
  let lastPop = null; // the screen pop on show, kept to redraw it when the customer changes

  // --- small DOM helpers (textContent only: nothing from the server is parsed as HTML) ---
  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function section(title, children, part) {
    const wrapper = element("section", null, "pop-section");
    if (part) wrapper.dataset.part = part;
    wrapper.append(element("h3", title), ...children);
    return wrapper;
  }
  function list(items, render) {
    if (!items || items.length === 0) return element("p", labels.none, "muted");
    const ul = element("ul");
    for (const item of items) ul.append(render(item));
    return ul;
  }
  // A code's words from one of the page's label lists (labels.call_states ...), or the code as sent.
  const named = (kind, code) => (code ? labels[kind][code] || code : "");
  // A wrap-up in the page's language by its code; the sender's words only for a code not known.
  const wrapUp = (contact) => (contact.wrap_up_code && labels.wrap_up_codes[contact.wrap_up_code]) || contact.wrap_up;
  const joined = (parts) => parts.filter(Boolean).join(" · ");
  const formatTime = (iso) => (iso ? timeFormat.format(new Date(iso)) : "—");
  const clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };

  function showError(message) {
    $("console-error").textContent = message || "";
  }

  // --- agent state (apart from the connection's: a lost socket is not a state change) ---
  function showAgentState(state, nextState) {
    const badge = $("agent-state");
    badge.textContent = named("agent_states", state);
    badge.dataset.state = state;
    const next = $("next-state");
    next.hidden = !nextState;
    next.textContent = nextState ? labels.next_state.replace("{state}", named("agent_states", nextState)) : "";
    next.dataset.state = nextState || "";
  }

  // --- the help sign: up until the agent lowers it or a supervisor joins the call ---
  let helpRaised = false;
  function showHelpSign(sign) {
    helpRaised = sign.raised;
    const button = $("help-sign");
    button.setAttribute("aria-pressed", String(sign.raised));
    button.firstChild.textContent = `${sign.raised ? labels.help_lower : labels.help_raise} `;
    root.dataset.helpSign = sign.raised ? "raised" : sign.acknowledged_by ? "acknowledged" : "down";
    const status = $("help-sign-status");
    if (sign.raised) status.textContent = labels.help_raised;
    else if (sign.acknowledged_by) status.textContent = labels.help_acknowledged.replace("{name}", sign.acknowledged_by);
    else status.textContent = "";
  }

  // --- screen pop ---
  const yen = new Intl.NumberFormat(document.documentElement.lang || "ja", { style: "currency", currency: "JPY" });
  const money = (amount) => (amount === null || amount === undefined || amount === "" ? "—" : yen.format(Number(amount)));
  function age(birthDate) {
    if (!birthDate) return "";
    const born = new Date(`${birthDate}T00:00:00+09:00`);
    const today = new Date(serverNow());
    let years = today.getFullYear() - born.getFullYear();
    if (today < new Date(today.getFullYear(), born.getMonth(), born.getDate())) years -= 1;
    return labels.age.replace("{age}", years);
  }

  // The identity check (本人確認): the desk's questions, then passed, failed or skipped with a
  // reason. Until it has passed, the money facts stay blurred.
  function renderIdentityCheck(contact) {
    const box = section(labels.identity_check, [], "identity");
    box.id = "identity-check";
    const recorded = contact.identity_check;
    if (recorded) {
      const result = element("p", joined([labels.identity_results[recorded.result], formatTime(recorded.at), recorded.reason]), `identity-result ${recorded.result}`);
      result.id = "identity-result";
      box.append(result);
      if (recorded.result === "passed") return box;
    }
    const questions = element("ul", null, "identity-questions");
    for (const code of contact.identity_questions || []) {
      const li = element("li");
      const label = element("label");
      const box_ = element("input");
      box_.type = "checkbox";
      box_.value = code;
      box_.name = "confirmed";
      label.append(box_, ` ${labels.identity_questions[code] || code}`);
      li.append(label);
      questions.append(li);
    }
    const reason = element("input");
    reason.id = "identity-reason";
    reason.maxLength = 200;
    reason.placeholder = labels.identity_skip_reason;
    reason.setAttribute("aria-label", labels.identity_skip_reason);
    const buttons = element("div", null, "identity-buttons");
    for (const result of ["passed", "failed", "skipped"]) {
      const button = element("button", labels.identity_actions[result]);
      button.type = "button";
      button.dataset.identity = result;
      button.addEventListener("click", () => {
        const confirmed = [...questions.querySelectorAll("input:checked")].map((input) => ["confirmed", input.value]);
        act("identity-check", [["result", result], ["reason", reason.value], ...confirmed]);
      });
      buttons.append(button);
    }
    box.append(questions, reason, buttons);
    return box;
  }

  function renderMoneyFacts(customer, unlocked) {
    const facts = section(labels.money_facts, [list(customer.accounts, (a) => {
      const li = element("li", null, "account");
      li.append(element("strong", joined([named("account_kinds", a.kind), a.masked_number, named("account_statuses", a.status)])));
      const dl = element("dl", null, "money");
      const rows = [
        [labels.balance, money(a.balance)],
        [labels.credit_limit, money(a.credit_limit)],
        [labels.next_due, joined([a.next_due_date, money(a.next_due_amount)]) || "—"],
        [labels.past_due, a.days_past_due ? labels.days_past_due.replace("{days}", a.days_past_due) : labels.none],
      ];
      for (const [term, value] of rows) dl.append(element("dt", term), element("dd", value));
      li.append(dl);
      return li;
    })], "money");
    facts.id = "money-facts";
    facts.dataset.locked = String(!unlocked);
    if (!unlocked) {
      facts.classList.add("locked");
      facts.querySelector("ul, p").setAttribute("aria-hidden", "true");
      facts.append(element("p", labels.money_locked, "lock-hint"));
    }
    return facts;
  }

  // In the order an agent reads it: who, the identity check, alerts, the hand-off, why they may
  // be calling, the money facts, what to offer, and last why the records are one customer.
  function renderCustomer(customer, pop) {
    const box = element("div");
    const heading = element("h3", `${customer.name || labels.unknown_caller}`, "caller-name");
    heading.id = "caller-name";
    box.append(heading);
    const who = element("p", joined([customer.name_kana, customer.birth_date, age(customer.birth_date), customer.customer_number]), "muted");
    who.id = "caller-who";
    box.append(who);
    const link = element("a", labels.open_customer);
    link.href = `/customers/${customer.id}/?contact=${encodeURIComponent(call ? call.contactId : "")}`;
    // Never in place of the console mid-call: the customer page opens in a tab of its own.
    link.target = "_blank";
    link.rel = "noopener";
    link.id = "open-customer";
    box.append(link);
    box.append(renderIdentityCheck(pop.contact));
    box.append(section(labels.alerts, [list(customer.alerts, (a) => element("li", named("codes", a.code), "alert"))], "alerts"));
    if (pop.transfer) box.append(renderTransfer(pop.transfer));
    box.append(section(labels.open_cases, [list(customer.open_cases, (c) => element("li", joined([
      c.subject, named("case_kinds", c.kind), named("case_statuses", c.status),
    ])))], "open_cases"));
    box.append(section(labels.recent_contacts, [list(customer.recent_contacts, (c) => element("li", joined([
      formatTime(c.offered_at), named("channels", c.channel), named("queues", c.queue), wrapUp(c),
    ])))], "recent_contacts"));
    box.append(section(labels.since_last_call, [list(customer.since_last_call, (t) => element("li", joined([
      formatTime(t.occurred_at), `${labels.channel_icons[t.channel] || ""} ${named("channels", t.channel)}`, t.subject,
    ]), "touchpoint"))], "since_last_call"));
    const checked = pop.contact.identity_check;
    box.append(renderMoneyFacts(customer, Boolean(checked && checked.result === "passed")));
    box.append(section(labels.actions, [list(customer.next_best_actions, (a) => element("li", named("codes", a.code)))], "actions"));
    box.append(section(labels.match, [list(customer.match, (m) => element("li", joined([
      `${named("source_systems", m.system)} ${m.external_id}`, named("match_rules", m.rule) || "—",
      m.score ? m.score.toFixed(2) : "",
    ])))], "match"));
    return box;
  }

  function renderCandidates(candidates) {
    const box = element("div");
    box.append(element("h3", labels.unknown_caller, "caller-name"));
    box.append(section(labels.candidates, [list(candidates, (c) => {
      const li = element("li", `${c.name || "—"} ${c.name_kana || ""} ${c.birth_date || ""} ${c.customer_number || ""} `);
      const pick = element("button", labels.pick);
      pick.type = "button";
      pick.addEventListener("click", () => act("pick", { customer_id: c.id }));
      li.append(pick);
      return li;
    })]));
    box.append(element("p", labels.search_hint, "muted"));
    return box;
  }

  function renderTransfer(transfer) {
    return section(labels.transfer_notes, [list(transfer.from_contacts, (leg) => {
      const li = element("li", joined([leg.agent || "—", named("queues", leg.queue), wrapUp(leg), leg.disposition]));
      li.append(list(leg.notes, (n) => element("li", n.text, "note")));
      return li;
    })], "transfer");
  }

  function showScreenPop(pop) {
    lastPop = pop;
    const target = $("screen-pop");
    target.replaceChildren();
    if (pop.customer) target.append(renderCustomer(pop.customer, pop));
    else {
      target.append(renderCandidates(pop.candidates));
      if (pop.transfer) target.append(renderTransfer(pop.transfer));
    }
  }

  // --- notes: the saved ones listed with time and author; the draft kept in the browser ---
  function showNotes(notes) {
    const target = $("saved-notes");
    target.replaceChildren();
    if (!notes.length) target.append(element("li", labels.no_notes, "muted"));
    for (const note of notes) {
      const li = element("li", null, "saved-note");
      li.append(element("span", `${formatTime(note.at)} · ${note.author}`, "muted"), element("p", note.text));
      target.append(li);
    }
  }
  let savedNotes = [];
  function onNoteSaved(message) {
    if (!call || call.contactId !== message.contact_id) return;
    if (!savedNotes.some((note) => note.id === message.note.id)) savedNotes.push(message.note);
    showNotes(savedNotes);
  }
  const draftKey = () => (call ? `console-note-draft:${call.contactId}` : null);
  function restoreDraft() {
    const key = draftKey();
    $("note-text").value = (key && window.localStorage.getItem(key)) || "";
  }
  $("note-text").addEventListener("input", () => {
    const key = draftKey();
    if (!key) return;
    if ($("note-text").value) window.localStorage.setItem(key, $("note-text").value);
    else window.localStorage.removeItem(key);
  });

  // The shift's list, fetched again whenever one of the agent's calls changes.
  async function refreshShift() {
    const target = $("shift-contacts");
    const response = await fetch(target.dataset.url, { credentials: "same-origin" });
    if (response.ok) target.innerHTML = await response.text();
  }

  // --- the transfer directory: queues with their waits, agents with their live states ---
  // Fetched again every few seconds while the call can be transferred; the options are updated
  // in place, so what the agent has chosen stays chosen.
  const DIRECTORY_EVERY_MS = 5000;
  function fillOptions(select, entries) {
    const chosen = select.value;
    const blank = select.options[0];
    select.replaceChildren(blank);
    for (const entry of entries) {
      const option = element("option", entry.text);
      option.value = entry.value;
      option.disabled = Boolean(entry.disabled);
      option.dataset.state = entry.state || "";
      select.append(option);
    }
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }
  const filled = (template, values) => Object.entries(values).reduce((text, [key, value]) => text.replace(`{${key}}`, value), template);
  async function refreshDirectory() {
    const response = await fetch(root.dataset.directoryUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const directory = await response.json();
    fillOptions($("transfer-queue"), directory.queues.map((queue) => ({
      value: queue.name,
      text: filled(labels.directory_queue, {
        queue: named("queues", queue.name), desk: named("desks", queue.desk),
        waiting: queue.waiting, wait: clock(queue.expected_wait_s),
      }),
    })));
    fillOptions($("transfer-agent"), directory.agents.map((agent) => ({
      value: agent.username,
      state: agent.state,
      disabled: !agent.reachable,
      text: filled(labels.directory_agent, {
        name: agent.name, desk: named("desks", agent.desk), state: named("agent_states", agent.state),
      }),
    })));
  }
  setInterval(() => {
    if (call && ["answered", "hold"].includes(call.state)) refreshDirectory();
  }, DIRECTORY_EVERY_MS);

  // --- the current call and its timers ---
  // `times`: the call's times as the server holds them, when the page opens mid-call (a
  // reload), so the timers carry on from where they were rather than from zero.
  function startCall(pop, state, times) {
    const at = (iso) => (iso ? Date.parse(iso) : null);
    call = {
      contactId: pop.contact.id,
      state: state || "offered",
      offeredAt: at(pop.contact.offered_at) || serverNow(),
      answeredAt: times ? at(times.answered_at) : null,
      holdStartedAt: times ? at(times.hold_started_at) : null,
      holdSeconds: times ? times.hold_seconds : 0,
      endedAt: times ? at(times.ended_at) : null,
    };
    // A new call starts its timers at zero, not at the last call's talk and after-call work.
    for (const timer of ["ringing", "talk", "hold", "acw"]) $(`timer-${timer}`).textContent = clock(0);
    $("call-from").textContent = pop.contact.from_display || pop.contact.from || labels.unknown_caller;
    $("call-queue").textContent = named("queues", pop.contact.queue);
    $("search-contact").value = call.contactId;
    $("call").hidden = false;
    $("no-call").hidden = true;
    savedNotes = [];
    showNotes(savedNotes);
    restoreDraft();
    showCallState(call.state);
    refreshDirectory();
  }

  // The call is over for this agent: its pop goes, so the next caller is never mistaken for it.
  function endCall() {
    const key = draftKey();
    if (key) window.localStorage.removeItem(key);
    call = null;
    lastPop = null;
    $("search-contact").value = "";
    $("call").hidden = true;
    $("no-call").hidden = false;
    $("screen-pop").replaceChildren(element("p", labels.pop_placeholder, "muted"));
  }

  // Each control says in which of the call's states it works (data-when); the others are off, so
  // an agent never presses what the call cannot do. Hold turns into resume while on hold.
  function showCallState(state) {
    $("call-state").textContent = named("call_states", state);
    root.dataset.callState = state;
    for (const control of root.querySelectorAll("[data-when]")) {
      control.disabled = !control.dataset.when.split(" ").includes(state);
    }
    const hold = root.querySelector("[data-action=hold]");
    hold.querySelector(".control-label").textContent = state === "hold" ? labels.resume : labels.hold;
    hold.classList.toggle("resume", state === "hold");
  }

  function onCallState(message) {
    if (!call || call.contactId !== message.contact_id) return;
    const now = serverNow();
    if (message.state === "answered") {
      if (call.holdStartedAt) { call.holdSeconds += (now - call.holdStartedAt) / 1000; call.holdStartedAt = null; }
      call.answeredAt = call.answeredAt || now;
    } else if (message.state === "hold") {
      call.holdStartedAt = now;
    } else if (message.state === "ended" || message.state === "transferred") {
      if (call.holdStartedAt) { call.holdSeconds += (now - call.holdStartedAt) / 1000; call.holdStartedAt = null; }
      call.endedAt = now;
    } else if (message.state === "wrapup_done" || message.state === "requeued") {
      endCall();
      if (message.state === "requeued") showError(labels.requeued);
      return;
    }
    call.state = message.state;
    showCallState(message.state);
  }

  setInterval(() => {
    if (!call) return;
    const now = serverNow();
    $("timer-ringing").textContent = clock(((call.answeredAt || call.endedAt || now) - call.offeredAt) / 1000);
    if (call.answeredAt) $("timer-talk").textContent = clock(((call.endedAt || now) - call.answeredAt) / 1000 - call.holdSeconds);
    $("timer-hold").textContent = clock(call.holdSeconds + (call.holdStartedAt ? (now - call.holdStartedAt) / 1000 : 0));
    if (call.endedAt) $("timer-acw").textContent = clock((now - call.endedAt) / 1000);
  }, 500);

  // An ATM incident or a ticket changed the caller's context while the call goes on.
  function onCustomerUpdate(message) {
    if (!call || call.contactId !== message.contact_id || !lastPop) return;
    lastPop = { ...lastPop, customer: message.customer };
    showScreenPop(lastPop);
  }

  function onIdentityCheck(message) {
    if (!call || call.contactId !== message.contact_id || !lastPop) return;
    lastPop = { ...lastPop, contact: { ...lastPop.contact, identity_check: message.identity_check } };
    showScreenPop(lastPop);
  }

  // --- messages from the server ---
  function onMessage(message) {
    if (typeof message.seq === "number") {
      if (message.seq <= lastSeq) return; // already shown before a reconnect
      lastSeq = message.seq;
    }
    if (message.type === "screen_pop") { startCall(message); showScreenPop(message); refreshShift(); }
    else if (message.type === "call_state") { onCallState(message); refreshShift(); }
    else if (message.type === "note_saved") onNoteSaved(message);
    else if (message.type === "identity_check") onIdentityCheck(message);
    else if (message.type === "customer_update") onCustomerUpdate(message);
    else if (message.type === "agent_state") showAgentState(message.state, message.next_state);
    else if (message.type === "help_sign") showHelpSign(message);
    else if (message.type === "error") showError(message.message);
  }

  function setConnected(connected) {
    const indicator = $("connection");
    indicator.textContent = connected ? labels.online : labels.offline;
    indicator.dataset.connected = String(connected);
    document.body.classList.toggle("socket-offline", !connected);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/agent/`);
    socket.addEventListener("open", () => {
      retryDelay = 500;
      setConnected(true);
      socket.send(JSON.stringify({ type: "resume", last_seq: lastSeq }));
    });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      setConnected(false);
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 5000);
    });
  }

  // --- actions ---
  async function act(action, fields) {
    if (!call) return;
    showError("");
    // `fields`: an object, or [name, value] pairs where a name repeats.
    const body = new URLSearchParams(fields || {});
    const url = actionUrlTemplate
      .replace("00000000-0000-0000-0000-000000000000", call.contactId)
      .replace(/answer$/, action);
    const response = await fetch(url, {
      method: "POST", body, headers: { "X-CSRFToken": csrfToken }, credentials: "same-origin",
    });
    // Refusals come in the API's error format: {"error": {"code", "message", "fields"}}.
    const answer = await response.json().catch(() => ({ error: { message: response.statusText } }));
    if (!response.ok) showError(answer.error ? answer.error.message : response.statusText);
    return response.ok;
  }

  for (const button of root.querySelectorAll("[data-state]")) {
    button.addEventListener("click", () => {
      if (socket && socket.readyState === WebSocket.OPEN) {
        showError("");
        socket.send(JSON.stringify({ type: "set_state", state: button.dataset.state }));
      } else {
        showError(labels.not_connected);
      }
    });
  }
  $("help-sign").addEventListener("click", () => {
    if (socket && socket.readyState === WebSocket.OPEN) {
      showError("");
      socket.send(JSON.stringify({ type: "help_sign", raised: !helpRaised }));
    } else {
      showError(labels.not_connected);
    }
  });
  for (const button of root.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => act(button.dataset.action));
  }
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = draftKey();
    if (await act("note", { text: $("note-text").value })) {
      if (key) window.localStorage.removeItem(key);
      $("note-text").value = "";
      $("note-text").placeholder = "✓";
    }
  });
  $("transfer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    if (await act("transfer", Object.fromEntries(form))) event.target.reset();
  });
  $("wrap-up-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    form.set("done", "true");
    if (await act("wrap-up", Object.fromEntries(form))) event.target.reset();
  });

  // --- the keyboard: one handler for every shortcut, from the page's table ---
  // (console.calls.shortcuts: Alt+Shift, or Option+Shift on a Mac, with a key matched by its
  // place, KeyboardEvent.code, so the character a layout or the Option key makes does not matter.)
  const shortcuts = new Map(initial.shortcuts.map((shortcut) => [shortcut.code, shortcut.name]));
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const name = shortcuts.get(event.code);
    if (!name) return;
    event.preventDefault();
    const control = document.querySelector(`[data-shortcut="${name}"]`);
    if (!control || control.disabled || control.closest("[hidden]")) return;
    if (control.matches("button")) control.click();
    else control.focus();
  });

  showAgentState(initial.agent_state, initial.next_state);
  showHelpSign(initial.help_sign);
  if (initial.current) {
    startCall(initial.current, initial.current_state, initial.current_times);
    showScreenPop(initial.current);
    savedNotes = initial.notes;
    showNotes(savedNotes);
  }
  setConnected(false);
  connect();
})();
