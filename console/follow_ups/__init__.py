"""Follow-ups: what the console sends a customer after a contact — a message when a promised
case closes, a confirmation of an agreed plan, a one-question satisfaction survey — by e-mail
(Django's mail framework) or LINE (the Messaging API's push). Rules per desk and wrap-up code
(`rules`) plan them in the write's transaction; a Celery task sends each (`sending`), within the
customer's consent per channel, outside quiet hours (21:00–08:00 JST) and at most once a day per
customer; each message sent becomes a contact on the timeline. Survey links are signed and used
once (`surveys`, the page in `pages`); templates in Japanese and English are edited in the
admin (`templates`, `admin`).

May import: the rooms below and console.celery. Nothing here imports another console package,
so calls, service desk, touchpoints and supervision may all use it."""

__all__ = ["admin", "models", "pages", "rules", "sending", "surveys", "tasks", "templates"]
