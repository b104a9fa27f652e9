"""`tf.random`: collected from the op families (see eagerflow.ops.namespace)."""

from eagerflow.ops import namespace as _namespace

globals().update(_namespace("random"))
__all__ = sorted(_namespace("random"))
