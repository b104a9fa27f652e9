"""The op library: primitives by family, and the Python operators they give Tensor."""

from eagerflow.core import tensor as _tensor
from eagerflow.core.variable import Variable as _Variable
from eagerflow.ops import array, math, reduce

_OPERATOR_TABLE = {
    "add": math.add, "subtract": math.subtract, "multiply": math.multiply,
    "truediv": math.truediv, "negative": math.negative, "identity": array.identity,
    "tensor_equals": math.tensor_equals, "tensor_not_equals": math.tensor_not_equals,
}
_tensor.install_operators(_OPERATOR_TABLE)
_tensor.install_operators(_OPERATOR_TABLE, _Variable)
_tensor.PACK = array.stack
