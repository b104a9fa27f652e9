"""Sampling from several datasets: sample_from_datasets, choose_from_datasets."""

from __future__ import annotations

import numpy as np

from eagerflow.core import dtypes as _dtypes
from eagerflow.core import errors
from eagerflow.core.spec import TensorSpec
from eagerflow.data import structure
from eagerflow.data.dataset import (
    Dataset,
)
from eagerflow.data.sources import op_seeds
from eagerflow.data.threads import (
    close_iterator,
)

__all__ = ["SampleDataset", "ChooseDataset"]


# -- sampling ------------------------------------------------------------------------------
class _Choice(Dataset):
    def __init__(self, datasets, stop_on_empty: bool) -> None:
        self._datasets = list(datasets)
        if not self._datasets:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        for d in self._datasets:
            if not isinstance(d, Dataset):
                raise TypeError(f"Invalid `datasets`: expected tf.data.Dataset, got {d!r}.")
        for d in self._datasets[1:]:
            structure.assert_spec_compatible(self._datasets[0].element_spec, d.element_spec,
                                             "datasets")
        self._stop_on_empty = stop_on_empty
        self._inputs = tuple(self._datasets)

    def _compute_spec(self):
        return self._datasets[0].element_spec

    def _run(self, choices):
        iterators = [d._make_iter() for d in self._datasets]
        alive = [True] * len(iterators)
        try:
            for index in choices:
                if index is None:
                    return
                if not 0 <= index < len(iterators):
                    raise errors.InvalidArgumentError(
                        None, None, f"Selector index out of range: {index} not in "
                        f"[0, {len(iterators)}).")
                if not alive[index]:
                    continue
                try:
                    yield next(iterators[index])
                except StopIteration:
                    if self._stop_on_empty:
                        return
                    alive[index] = False
                    if not any(alive):
                        return
        finally:
            for iterator in iterators:
                close_iterator(iterator)


class SampleDataset(_Choice):
    def __init__(self, datasets, weights, seed, stop_on_empty) -> None:
        super().__init__(datasets, bool(stop_on_empty))
        n = len(self._datasets)
        self._weights = np.full(n, 1.0 / n) if weights is None else \
            np.asarray(structure.normalize(weights), dtype=np.float64).reshape(-1)
        if self._weights.shape != (n,):
            raise ValueError("`weights` must have one value per dataset.")
        self._seeds = op_seeds(seed)

    def _make_iter(self):
        base = list(self._seeds) if self._seeds is not None else \
            [np.random.SeedSequence().entropy]
        rng = np.random.default_rng([int(s) & (2 ** 63 - 1) for s in base])
        weights = self._weights
        alive = np.ones(len(weights))
        iterators = [d._make_iter() for d in self._datasets]
        stop_on_empty = self._stop_on_empty

        def sampled():
            try:
                while True:
                    live = weights * alive
                    total = live.sum()
                    if total <= 0:
                        return
                    index = int(rng.choice(len(weights), p=live / total))
                    try:
                        yield next(iterators[index])
                    except StopIteration:
                        if stop_on_empty:
                            return
                        alive[index] = 0.0
            finally:
                for iterator in iterators:
                    close_iterator(iterator)
        return sampled()


class ChooseDataset(_Choice):
    def __init__(self, datasets, choice_dataset, stop_on_empty) -> None:
        super().__init__(datasets, bool(stop_on_empty))
        spec = choice_dataset.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype != _dtypes.int64 or \
                spec.shape.rank != 0:
            raise TypeError("Invalid `choice_dataset`. Elements of `choice_dataset` must be "
                            f"scalar of `tf.int64` dtype, but got {spec}.")
        self._choices = choice_dataset
        self._inputs = tuple(self._datasets) + (choice_dataset,)

    def _make_iter(self):
        source = self._choices._make_iter()

        def choices():
            try:
                for value in source:
                    yield int(value)
            finally:
                close_iterator(source)
        return self._run(choices())
