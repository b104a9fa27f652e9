"""`tf.bitwise`: collected from the op families (see eagerflow.ops.namespace)."""

from eagerflow.ops import namespace as _namespace

globals().update(_namespace("bitwise"))
__all__ = sorted(_namespace("bitwise"))
