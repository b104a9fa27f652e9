"""Shared fixtures: every test starts with a clean execution context and a fixed NumPy seed."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _seeded():
    np.random.seed(0)
    yield
