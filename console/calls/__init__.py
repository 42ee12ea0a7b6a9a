"""Calls: a telephony event's whole trip (store, route, replay, follow), what an agent does to
a call from the console, the agent's console page and websocket, and what an agent sees of a
customer (`screen`: the customer-360, the screen pop, and the refresh every write that changes
the 360 calls).

May import: console.agents, console.audit (who saw which customer), console.integrations
(webhooks), console.supervision (live figures), console.follow_ups (a wrap-up's follow-ups),
console.realtime, the rooms below. Other packages use `events`, `screen`, `api`, `pages`,
`consumers`, `next_best_actions` (the customer page shows the same alerts and offers), `admin`
(the desks' policies) and `tasks` (the shell wires the stale documents' rebuild to its signal)."""

__all__ = ["admin", "api", "consumers", "events", "next_best_actions", "pages", "screen", "tasks"]
