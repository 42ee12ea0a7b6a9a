import uuid

import factory
from django.contrib.auth import get_user_model

from console.integrations.clients import create_api_client
from console.roles import assign_role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:03d}")
    password = factory.django.Password("pass-for-tests-1")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if extracted:
            assign_role(user=user, role=extracted)


def api_key(*, scopes: list[str], name: str | None = None) -> str:
    """A fresh integration client's bearer key."""
    name = name or f"client-{'-'.join(scopes)}-{uuid.uuid4().hex[:8]}"
    return create_api_client(name=name, scopes=scopes).key


def make_agent(username: str, *, desk: str = "contact_center", state: str = "offline", since=None):
    """A user with the agent role and the agent profile routing needs."""
    from django.utils import timezone

    from console.agents.models import Agent

    user = UserFactory(username=username, role="agent")
    return Agent.objects.create(
        user=user, desk=desk, state=state, state_since=since or timezone.now()
    )
