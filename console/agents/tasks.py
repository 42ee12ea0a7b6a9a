"""The agents' Celery task: forgetting messages kept for browsers longer than replay needs."""

from celery import shared_task

from console.realtime import forget_old_messages


@shared_task(name="console.forget_old_agent_messages", acks_late=True)
def forget_old_agent_messages_task() -> int:
    return forget_old_messages()
