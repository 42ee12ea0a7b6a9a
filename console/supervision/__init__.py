"""Supervision: today's live figures (kept incrementally), the wallboard and its websocket, the
handle-time reports from daily rollups, the before/after comparison, satisfaction beside handle
time (`satisfaction`, its page in `satisfaction_pages`), and their tasks and pages; the page of
how many customers each person viewed.

May import: console.agents (`models`), console.audit (`records`), console.follow_ups (`models`:
survey answers), console.realtime, the rooms below. Other packages use `live_figures` (to count a
call's change), `rollups`, `pages`, `satisfaction_pages`, `consumers` and `tasks`."""

__all__ = [
    "consumers",
    "live_figures",
    "models",
    "pages",
    "rollups",
    "satisfaction",
    "satisfaction_pages",
    "tasks",
]
