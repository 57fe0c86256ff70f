from __future__ import annotations

import pytest
from django.core.cache import cache

from aviso.console.tests.base import Scene


@pytest.fixture
def scene(db) -> Scene:
    return Scene.build()


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Sign-in failure counts live in the cache; one test's failures are not the next one's.
    cache.clear()
    yield
    cache.clear()
