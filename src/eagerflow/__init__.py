"""eagerflow: TensorFlow 2 re-made in Python on NumPy. Use it as `import eagerflow as tf`."""

from eagerflow.core.dtypes import *
from eagerflow.core.dtypes import DType, as_dtype
from eagerflow.core.shape import TensorShape
from eagerflow.core.tensor import Tensor, convert_to_tensor, register_tensor_conversion_function
from eagerflow.core.variable import Variable, VariableAggregation, VariableSynchronization
from eagerflow.core.context import executing_eagerly
from eagerflow.ops.array import *
from eagerflow.ops.math import *
from eagerflow.ops.reduce import *
from eagerflow.autodiff import GradientTape, UnconnectedGradients
from eagerflow import dtypes, errors, math, nest

__version__ = "0.1.0"
