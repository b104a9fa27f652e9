"""`tf.keras.layers`: every layer class, gathered from the family modules' `__all__`."""

import importlib
import importlib.util

from eagerflow.keras.layers.core import *
from eagerflow.keras.layers.input_layer import *
from eagerflow.keras.layers.layer import *

_FAMILIES = ("convolutional", "pooling", "normalization", "reshaping", "merging",
             "regularization", "activation_layers", "recurrent", "masking", "wrappers",
             "recurrent_cells", "attention", "einsum_dense", "preprocessing")

for _family in _FAMILIES:
    if importlib.util.find_spec(f"eagerflow.keras.layers.{_family}") is not None:
        _module = importlib.import_module(f"eagerflow.keras.layers.{_family}")
        for _name in getattr(_module, "__all__", ()):
            globals()[_name] = getattr(_module, _name)

from eagerflow.keras.layers import experimental  # noqa: E402 - the older names, after the families
