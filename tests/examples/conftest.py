"""Fixtures of the example-program tests: one BLAS thread, scikit-learn's bundled datasets."""

import pytest


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """NumPy's BLAS on one thread: the examples' matrices are tiny, and BLAS threads competing
    for two busy cores (with tf.data's map threads) made the image examples 3x slower."""
    try:
        from threadpoolctl import threadpool_limits  # present with scikit-learn
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def sklearn_datasets():
    """scikit-learn's bundled datasets (no download); the examples that use them skip without."""
    return pytest.importorskip("sklearn.datasets")
