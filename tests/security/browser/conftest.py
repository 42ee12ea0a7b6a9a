"""The end-to-end fixtures (a real Daphne, headless Chromium), for the security pages' tests."""

from tests.e2e.conftest import *  # noqa: F403
from tests.e2e.conftest import _needs_chromium, _orm_beside_playwright  # noqa: F401
