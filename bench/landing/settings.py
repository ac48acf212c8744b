"""The landing benchmark's settings: production's, with the benchmark's URLconf (the production URLs
plus one trivial view, the baseline), never used outside bench/landing."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.landing.urls"
