// What the wallboard and the seat map share: building elements from text (nothing from the server
// is parsed as HTML), clocks as m:ss or h:mm:ss, and the supervisors' socket, which reconnects by
// itself unless the server refused the person (not signed in, not a supervisor).
(() => {
  "use strict";

  // Refused before accepting: reconnecting would not help.
  const REFUSED_CODES = new Set([4401, 4403]);

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function clock(seconds, none) {
    if (seconds === null || seconds === undefined) return none;
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const rest = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
  }

  function showConnection(connected, labels) {
    const status = document.getElementById("connection");
    status.dataset.connected = String(connected);
    status.textContent = connected ? labels.online : labels.offline;
    document.body.classList.toggle("socket-offline", !connected);
  }

  // Opens /ws/supervisor/ (with `query`), hands each message to onMessage, and tries again with
  // a growing delay when it closes. The returned object's `refused` says the server said no.
  function connect({ query = "", labels, onMessage }) {
    const live = { refused: false };
    let retryDelay = 500;
    const open = () => {
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${window.location.host}/ws/supervisor/${query}`);
      socket.addEventListener("open", () => {
        retryDelay = 500;
        showConnection(true, labels);
      });
      socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
      socket.addEventListener("close", (event) => {
        showConnection(false, labels);
        if (REFUSED_CODES.has(event.code)) {
          live.refused = true;
          return;
        }
        window.setTimeout(open, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      });
    };
    open();
    return live;
  }

  window.SupervisorLive = { element, clock, connect, showConnection };
})();
