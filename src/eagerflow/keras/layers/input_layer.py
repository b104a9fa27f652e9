"""`tf.keras.Input` and `InputLayer`: where a functional model's data comes in."""

from __future__ import annotations

from eagerflow.core import dtypes as dtypes_module
from eagerflow.keras import backend
from eagerflow.keras.keras_tensor import KerasTensor, Node
from eagerflow.keras.layers.layer import Layer

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer that owns a model input: its batch shape and dtype, no weights."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=None, name=None, ragged=None, type_spec=None, batch_shape=None,
                 batch_input_shape=None, optional: bool = False, **kwargs) -> None:
        if sparse or ragged:
            raise ValueError("eagerflow has no sparse or ragged tensors; InputLayer accepts "
                             "dense inputs only (sparse=False, ragged=False).")
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if batch_shape is None:
            if input_shape is None:
                if input_tensor is None:
                    raise ValueError("You must pass an `input_shape` (or `shape`) argument "
                                     "to InputLayer / tf.keras.Input.")
                batch_shape = tuple(input_tensor.shape)
            else:
                if isinstance(input_shape, int):
                    input_shape = (input_shape,)
                batch_shape = (batch_size,) + tuple(input_shape)
        batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        if name is None:
            name = backend.unique_object_name("input_layer")
        super().__init__(name=name, dtype=dtype or backend.floatx(), **kwargs)
        self._batch_input_shape = batch_shape
        self.built = True
        tensor = KerasTensor(batch_shape, self._dtype, name=name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor
        self.optional = bool(optional)

    @property
    def batch_shape(self) -> tuple:
        return self._batch_input_shape

    def get_config(self) -> dict:
        return {"batch_input_shape": self._batch_input_shape, "dtype": self._dtype,
                "sparse": False, "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,
          ragged=None, type_spec=None, batch_shape=None, **kwargs) -> KerasTensor:
    """A symbolic model input of `shape` (without the batch dimension) and `dtype`.

    >>> x = tf.keras.Input(shape=(None,), dtype="int32")   # variable-length int sequences
    """
    if dtype is not None:
        dtype = dtypes_module.as_dtype(dtype).name
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       sparse=sparse, ragged=ragged, input_tensor=tensor,
                       batch_shape=batch_shape or kwargs.pop("batch_input_shape", None),
                       **kwargs)
    return layer._input_tensor
