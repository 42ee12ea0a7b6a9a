"""The product's settings with one more URL: the framework floor of bench/screen_pop_urls.py.
Used only by the Daphne that bench/screen_pop.py starts."""

from console.settings import *  # noqa: F403

ROOT_URLCONF = "bench.screen_pop_urls"
