import pytest
from asgiref.sync import SyncToAsync
from django.test import AsyncClient


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_no_middleware_hook_is_sent_to_a_thread_of_its_own(monkeypatch):
    """Under ASGI the middleware chain runs sync, entered once. A sync-only middleware above
    async-capable ones made Django run those below it async, and each of their request and
    response hooks through sync_to_async: three more thread switches on every request."""
    sent_to_threads = []
    original = SyncToAsync.__call__

    def noted(self, *args, **kwargs):
        sent_to_threads.append(getattr(self.func, "__qualname__", repr(self.func)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", noted)
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200
    hooks = [
        name for name in sent_to_threads if name.endswith(("process_request", "process_response"))
    ]
    assert hooks == []
    assert "convert_exception_to_response.<locals>.inner" in sent_to_threads  # the chain, once
