"""The op library: primitives by family, and the Python operators they give Tensor.

Each family module lists its top-level names (`tf.add`) in `__all__` and the
names of each TF namespace it contributes to (`tf.math.add`, `tf.nn.relu`) in
`NAMESPACES`; the public namespace modules collect them with `namespace()`.
"""

from eagerflow.core import tensor as _tensor
from eagerflow.core.variable import Variable as _Variable
from eagerflow.ops import (
    array,
    control_flow,
    conv,
    debugging,
    functional_ops,
    indexing,
    linalg,
    math,
    nn,
    random,
    reduce,
    script,
    special,
)

FAMILIES = (*array.FAMILIES, indexing, math, special, reduce, linalg, nn, conv, random, debugging,
            control_flow, functional_ops, script)

# Python operator key (see core/tensor.py OPERATORS) -> function name in some family.
_OPERATOR_FUNCTIONS = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "truediv": "truediv",
    "floordiv": "floordiv", "floormod": "floormod", "pow": "pow", "matmul": "matmul",
    "logical_and_or_bitwise": "logical_and_or_bitwise",
    "logical_or_or_bitwise": "logical_or_or_bitwise",
    "logical_xor_or_bitwise": "logical_xor_or_bitwise",
    "logical_not_or_bitwise": "logical_not_or_bitwise",
    "less": "less", "less_equal": "less_equal", "greater": "greater",
    "greater_equal": "greater_equal", "tensor_equals": "tensor_equals",
    "tensor_not_equals": "tensor_not_equals", "negative": "negative", "abs": "abs",
    "identity": "identity", "getitem": "getitem",
}


def _find(name: str):
    for family in FAMILIES:
        function = getattr(family, name, None)
        if function is not None:
            return function
    return None


def namespace(name: str) -> dict:
    """The names every family contributes to the public namespace `name` (e.g. "math")."""
    names = {}
    for family in FAMILIES:
        for public in getattr(family, "NAMESPACES", {}).get(name, ()):
            names[public] = getattr(family, public)
    return names


_table = {key: _find(function) for key, function in _OPERATOR_FUNCTIONS.items()}
_table = {key: function for key, function in _table.items() if function is not None}
# Where the public function only binds its primitive, the operator binds it directly
# (one Python call less on the hottest eager path).
_table.update(add=math.add_p.bind, subtract=math.subtract_p.bind,
              multiply=math.multiply_p.bind, negative=math.negative_p.bind)
_tensor.install_operators(_table)
_tensor.install_operators({k: v for k, v in _table.items() if k != "getitem"}, _Variable)
_tensor.PACK = array.joining.stack
