"""`tf.distribute.ReduceOp`: how values from replicas combine (SUM or MEAN)."""

from __future__ import annotations

import enum

__all__ = ["ReduceOp", "as_reduce_op"]


class ReduceOp(enum.Enum):
    """How `Strategy.reduce` and `ReplicaContext.all_reduce` combine per-replica values."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation) -> ReduceOp:
        """The ReduceOp matching a `tf.VariableAggregation` ("sum" -> SUM, "mean" -> MEAN)."""
        from eagerflow.core.variable import VariableAggregation

        by_code = {VariableAggregation.SUM: "SUM", VariableAggregation.MEAN: "MEAN"}
        if isinstance(aggregation, int) and aggregation in by_code:
            return ReduceOp(by_code[aggregation])
        name = str(getattr(aggregation, "name", aggregation)).upper().rsplit(".", 1)[-1]
        if name in ("SUM", "MEAN"):
            return ReduceOp(name)
        raise ValueError(f"Could not convert from `tf.VariableAggregation` {aggregation!r} to "
                         "`tf.distribute.ReduceOp` type: only SUM and MEAN have one.")


def as_reduce_op(reduce_op) -> ReduceOp:
    """`reduce_op` as a ReduceOp; strings are accepted in any case, as in TF ("sum")."""
    if isinstance(reduce_op, ReduceOp):
        return reduce_op
    if isinstance(reduce_op, str):
        try:
            return ReduceOp(reduce_op.upper())
        except ValueError:
            pass
    raise ValueError(f"{reduce_op!r} is not a valid ReduceOp: use tf.distribute.ReduceOp.SUM or "
                     "tf.distribute.ReduceOp.MEAN (or the strings 'SUM', 'MEAN').")
