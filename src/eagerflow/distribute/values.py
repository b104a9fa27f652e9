"""Per-replica values (`tf.distribute.DistributedValues`): one value per replica. With the
single replica eagerflow runs, a PerReplica holds exactly one value; `strategy.run` returns
plain values (as TF does for one replica) and these wrappers appear only where TF makes them
(`experimental_distribute_values_from_function`)."""

from __future__ import annotations

from eagerflow.core import nest

__all__ = ["DistributedValues", "PerReplica", "Mirrored", "unwrap", "local_results"]


class DistributedValues:
    """A value with one component per replica; `.values` is the tuple of components."""

    def __init__(self, values) -> None:
        values = tuple(values)
        if not values:
            raise ValueError("DistributedValues needs at least one per-replica value.")
        self._values = values

    @property
    def values(self) -> tuple:
        """The components, one per replica (the replica-0 value first)."""
        return self._values

    def _primary(self):
        return self._values[0]

    def __repr__(self) -> str:
        body = "\n".join(f"  {i}: {v!r}" for i, v in enumerate(self._values))
        return f"{type(self).__name__}:{{\n{body}\n}}"


class PerReplica(DistributedValues):
    """Values that may differ between replicas (what `run` returns with several replicas)."""


class Mirrored(DistributedValues):
    """Values kept equal on every replica."""


def unwrap(structure):
    """`structure` with every DistributedValues leaf replaced by this replica's value."""
    return nest.map_structure(
        lambda leaf: leaf._primary() if isinstance(leaf, DistributedValues) else leaf, structure)


def local_results(value) -> tuple:
    """The per-replica components of `value` on this worker, as a tuple (one element here)."""
    if isinstance(value, DistributedValues):
        return value.values
    return (unwrap(value),)
