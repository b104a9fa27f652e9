"""Shared fixtures: every test starts with a fixed NumPy seed; on CI, Hypothesis draws the
same examples every run (derandomized), so a run's result does not depend on luck."""

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    yield
