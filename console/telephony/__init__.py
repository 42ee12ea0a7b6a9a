"""Telephony connectors: one thin translator per platform (Amazon Connect contact events and
contact records, Twilio TaskRouter callbacks, Asterisk AMI, the generic CTI push of Zammad and
sipgate) from the platform's own format into `CallEventInput`, recorded through the one call-event
pipeline (`console.calls.events.handle_call_event`). Nothing past the pipeline knows which platform
a call came from, beyond `contact.source`. The platforms' queue and agent ids are mapped to ours in
the admin (`models`, `admin`).

May import: console.calls (events), console.agents (models), console.integrations, the rooms
below. Other packages use `api` (URLs), `admin`, `models` and `asterisk` (the listener command)."""

__all__ = ["admin", "api", "asterisk", "models"]
