"""Telephony connectors: one thin translator per platform (Amazon Connect contact events and
contact records, Twilio TaskRouter callbacks, Asterisk AMI, the generic CTI push of Zammad and
sipgate) from the platform's own format into `CallEventInput`, recorded through the one call-event
pipeline (`console.calls.events.handle_call_event`). Nothing past the pipeline knows which platform
a call came from, beyond `contact.source`. The platforms' queue and agent ids are mapped to ours in
the admin (`models`, `admin`). The other way, a supervisor joining an agent's call is handed to
the call's platform as each connector knows how (`joining`, its buttons in `join_pages`).

May import: console.calls (events), console.agents (models, help_sign), console.integrations,
console.supervision (call_joins, models), the rooms below. Other packages use `api` and
`join_pages` (URLs), `admin`, `models` and `asterisk` (the listener command)."""

__all__ = ["admin", "api", "asterisk", "join_pages", "joining", "models"]
