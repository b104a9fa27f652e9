"""`tf.debugging`: collected from the op families (see eagerflow.ops.namespace)."""

from eagerflow.ops import namespace as _namespace

globals().update(_namespace("debugging"))
__all__ = sorted(_namespace("debugging"))
