"""The base of single-input transformations and helpers shared by the transformation modules."""

from __future__ import annotations

from eagerflow.core import errors
from eagerflow.data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, int_arg
from eagerflow.data.threads import close_iterator

__all__ = ["Unary", "closing", "positive", "as_dataset", "KNOWN"]

KNOWN = (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY)


class Unary(Dataset):
    """A transformation of one input dataset; cardinality and spec pass through by default."""

    def __init__(self, input_dataset: Dataset) -> None:
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a tf.data.Dataset, got {input_dataset!r}.")
        self._input = input_dataset
        self._inputs = (input_dataset,)

    def _compute_spec(self):
        return self._input.element_spec

    def _compute_cardinality(self) -> int:
        return self._input._compute_cardinality()


def closing(source, body):
    """Run generator `body(source)` and close `source` when it ends or is dropped."""
    try:
        yield from body(source)
    finally:
        close_iterator(source)


def positive(value, name: str, op: str) -> int:
    value = int_arg(value, name)
    if value <= 0:
        raise errors.InvalidArgumentError(None, None, f"{name} must be greater than zero. "
                                          f"[Op:{op}]")
    return value


def as_dataset(value, name: str) -> Dataset:
    if not isinstance(value, Dataset):
        raise TypeError(f"The `{name}` argument must return a `Dataset` object. Got "
                        f"{type(value)}.")
    return value


