"""threads.py: BackgroundIterator and ParallelMapIterator on plain Python iterators."""

import time

import pytest

from eagerflow.data.threads import BackgroundIterator, ParallelMapIterator


class Flaky:
    """An iterator that raises at one position and then goes on (as a map iterator does)."""

    def __init__(self, n, bad):
        self.i, self.n, self.bad = 0, n, bad
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        self.i += 1
        if self.i > self.n:
            raise StopIteration
        if self.i == self.bad:
            raise KeyError(self.i)
        return self.i

    def close(self):
        self.closed = True


def test_background_iterator_keeps_errors_in_place():
    source = Flaky(5, bad=3)
    it = BackgroundIterator(source, 2)
    assert [next(it), next(it)] == [1, 2]
    with pytest.raises(KeyError):
        next(it)
    assert list(it) == [4, 5]
    deadline = time.time() + 2
    while not source.closed and time.time() < deadline:
        time.sleep(0.01)
    assert source.closed  # the producer closes its source when it ends


def test_background_iterator_close_is_idempotent():
    it = BackgroundIterator(iter(range(10 ** 9)), 1)
    assert next(it) == 0
    it.close()
    it.close()
    with pytest.raises(StopIteration):
        next(it)
    assert not it._holder[0].is_alive()  # close() joins the producer


def slow_double(x):
    time.sleep(0.0003 * (x % 3))
    return 2 * x


@pytest.mark.parametrize("deterministic", [True, False])
def test_parallel_map_iterator(deterministic):
    it = ParallelMapIterator(iter(range(40)), slow_double, 3, deterministic)
    out = list(it)
    assert sorted(out) == [2 * x for x in range(40)]
    if deterministic:
        assert out == [2 * x for x in range(40)]


def test_parallel_map_iterator_errors_in_place():
    def fn(x):
        time.sleep(0.0002)
        if x == 4:
            raise ValueError("four")
        return x

    it = ParallelMapIterator(Flaky(7, bad=6), fn, 2)
    assert [next(it) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(ValueError, match="four"):
        next(it)
    assert next(it) == 5
    with pytest.raises(KeyError):  # the input's own error, at its position
        next(it)
    assert list(it) == [7]
    it.close()
