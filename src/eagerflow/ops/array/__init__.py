"""Array ops (`tf.reshape`, `tf.concat`, `tf.pad`, `tf.range`, ...): shapes, dtypes, layout.

One family module per job; this package re-exports them all (and the argument helpers the other
op families use), so `from eagerflow.ops.array import reshape` works wherever it is written.
Each primitive is one block: kernel, shape rule, gradient. Gradients that scatter (slicing,
pad, tile, repeat) have a primitive of their own whose gradient is the forward op again, so
every order of derivative works.
"""

from eagerflow.ops.array import arguments, basics, creation, joining, layout, partition
from eagerflow.ops.array.arguments import (  # noqa: F401 - used by the other op families
    _INDEX_DTYPES,
    _error,
    _index_tensor,
    _pyrange,
    _replace_dim,
    _require_same_dtype,
    _shape_argument,
    _static,
    _static_int,
    _static_ints,
    _t,
)
from eagerflow.ops.array.basics import *  # noqa: F403
from eagerflow.ops.array.basics import (  # noqa: F401 - used by the other op families
    _is_symbolic,
    _shape_operand,
    broadcast_like,
    broadcast_like_p,
    cast_p,
    identity_p,
    partial_scalar_value,
    partial_shape_value,
    reshape_dynamic_p,
    reshape_like,
    reshape_p,
    shape_p,
    stop_gradient_p,
    unbroadcast,
    unbroadcast_p,
)
from eagerflow.ops.array.creation import *  # noqa: F403
from eagerflow.ops.array.joining import *  # noqa: F403
from eagerflow.ops.array.layout import *  # noqa: F403
from eagerflow.ops.array.partition import *  # noqa: F403

# The op families (see eagerflow/ops/__init__.py); the package itself is not one.
FAMILIES = (basics, creation, joining, layout, partition)
__all__ = [name for family in FAMILIES for name in family.__all__]
