"""`tf.data.Options` and its option groups: plain attribute records with TF's names.

Unknown attributes raise AttributeError, as TF's options do. Options set on a
dataset are merged with those of its inputs (`Dataset.options()`).
"""

from __future__ import annotations

import enum

__all__ = ["Options", "OptimizationOptions", "ThreadingOptions", "DistributeOptions",
           "AutotuneOptions", "AutoShardPolicy", "ExternalStatePolicy"]


class AutoShardPolicy(enum.IntEnum):
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.IntEnum):
    WARN = 0
    IGNORE = 1
    FAIL = 2


class _OptionsGroup:
    _FIELDS: dict = {}

    def __init__(self) -> None:
        for name, default in self._FIELDS.items():
            object.__setattr__(self, name, default() if callable(default) else default)

    def __setattr__(self, name, value) -> None:
        if name not in self._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        object.__setattr__(self, name, value)

    def _merge(self, other: _OptionsGroup) -> None:
        for name in self._FIELDS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, _OptionsGroup):
                mine._merge(theirs)
            elif theirs is not None and not (callable(self._FIELDS[name])):
                object.__setattr__(self, name, theirs)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS)
        return f"{type(self).__name__}({fields})"


class OptimizationOptions(_OptionsGroup):
    _FIELDS = dict(apply_default_optimizations=None, filter_fusion=None,
                   filter_parallelization=None, inject_prefetch=None, map_and_batch_fusion=None,
                   map_and_filter_fusion=None, map_fusion=None, map_parallelization=None,
                   noop_elimination=None, parallel_batch=None, shuffle_and_repeat_fusion=None,
                   seq_interleave_prefetch=None, warm_start=None)


class ThreadingOptions(_OptionsGroup):
    _FIELDS = dict(max_intra_op_parallelism=None, private_threadpool_size=None)


class DistributeOptions(_OptionsGroup):
    _FIELDS = dict(auto_shard_policy=None, num_devices=None)


class AutotuneOptions(_OptionsGroup):
    _FIELDS = dict(enabled=None, cpu_budget=None, ram_budget=None, autotune_algorithm=None,
                   initial_parallelism=None, min_parallelism=None)


class Options(_OptionsGroup):
    """Options for a dataset pipeline (`dataset.with_options(options)`).

    `deterministic` (None means True) decides whether parallel transformations with
    `deterministic=None` keep their order.
    """

    _FIELDS = dict(deterministic=None, experimental_deterministic=None,
                   experimental_external_state_policy=None, experimental_slack=None,
                   experimental_warm_start=None, experimental_optimization=OptimizationOptions,
                   experimental_threading=ThreadingOptions, threading=ThreadingOptions,
                   experimental_distribute=DistributeOptions, autotune=AutotuneOptions,
                   experimental_symbolic_checkpoint=None, framework_type=None, dataset_name=None)

    def __setattr__(self, name, value) -> None:
        if name == "experimental_deterministic":
            name = "deterministic"
        super().__setattr__(name, value)

    def __getattribute__(self, name):
        if name == "experimental_deterministic":
            name = "deterministic"
        if name == "experimental_threading":
            name = "threading"
        return object.__getattribute__(self, name)

    def merge(self, options: Options) -> Options:
        """A new Options: `self` overridden by the values set in `options`."""
        merged = Options()
        merged._merge(self)
        merged._merge(options)
        return merged
