"""Supervision: today's live figures (kept incrementally), the wallboard and its websocket, the
handle-time reports from daily rollups, the before/after comparison, satisfaction beside handle
time (`satisfaction`, its page in `satisfaction_pages`), and their tasks and pages; the page of
how many customers each person viewed; the seat map (`seat_map`) and supervisors joining agents'
calls (`call_joins`, which the telephony connectors call with what the platform was asked).

May import: console.agents (`models`, `help_sign`), console.audit (`records`),
console.follow_ups (`models`: survey answers), console.realtime, the rooms below. Other packages
use `live_figures` (to count a
call's change), `rollups`, `pages`, `satisfaction_pages`, `consumers`, `tasks`, `call_joins` and
`models`."""

__all__ = [
    "call_joins",
    "consumers",
    "live_figures",
    "models",
    "pages",
    "rollups",
    "satisfaction",
    "satisfaction_pages",
    "tasks",
]
