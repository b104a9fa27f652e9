"""eagerflow: TensorFlow 2 re-made in Python on NumPy. Use it as `import eagerflow as tf`.

This module only imports and re-exports; the heavy subpackages (keras, data)
load on first attribute access.
"""

from eagerflow import bitwise, debugging, dtypes, errors, image, linalg, math, nest, nn, random
from eagerflow.autodiff import GradientTape, UnconnectedGradients, custom_gradient, gradients
from eagerflow.core.context import executing_eagerly
from eagerflow.core.device import device
from eagerflow.core.dtypes import *
from eagerflow.core.dtypes import DType, as_dtype
from eagerflow.core.module import Module, name_scope
from eagerflow.core.shape import TensorShape
from eagerflow.core.spec import TensorSpec
from eagerflow.core.tensor import (
    Tensor,
    convert_to_tensor,
    is_tensor,
    register_tensor_conversion_function,
)
from eagerflow.core.variable import Variable, VariableAggregation, VariableSynchronization
from eagerflow.function import function
from eagerflow.graph.builder import init_scope
from eagerflow.ops.array.basics import *
from eagerflow.ops.array.creation import *
from eagerflow.ops.array.joining import *
from eagerflow.ops.array.layout import *
from eagerflow.ops.array.partition import *
from eagerflow.ops.control_flow import *
from eagerflow.ops.debugging import *
from eagerflow.ops.functional_ops import *
from eagerflow.ops.indexing import *
from eagerflow.ops.linalg import *
from eagerflow.ops.math import *
from eagerflow.ops.nn import *
from eagerflow.ops.random import *
from eagerflow.ops.reduce import *
from eagerflow.ops.script import *
from eagerflow.ops.special import *

__version__ = "0.1.0"


def get_logger():
    """The logger eagerflow writes its warnings to (retracing, AutoGraph), as tf.get_logger()."""
    import logging

    return logging.getLogger("eagerflow")

_LAZY_SUBMODULES = ("data", "keras", "train", "summary", "autograph", "config", "io",
                    "compat", "distribute")
# tf.optimizers, tf.losses, ... are TF 2's aliases of the Keras namespaces.
_KERAS_ALIASES = ("optimizers", "losses", "metrics", "initializers", "activations")


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES or name in _KERAS_ALIASES:
        import importlib

        path = f"eagerflow.keras.{name}" if name in _KERAS_ALIASES else f"eagerflow.{name}"
        module = importlib.import_module(path)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'eagerflow' has no attribute {name!r}")
