"""`Masking`: marks time steps whose features all equal `mask_value` as padding for later
layers (RNNs skip them)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.layers.layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Zero out and mask the time steps where every feature equals `mask_value`.

    >>> x = tf.constant([[[1.0], [0.0]]])
    >>> tf.keras.layers.Masking()(x)._keras_mask
    <tf.Tensor: shape=(1, 2), dtype=bool, numpy=array([[ True, False]])>
    """

    def __init__(self, mask_value: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs):
        value = tf.cast(self.mask_value, inputs.dtype)
        return tf.reduce_any(tf.not_equal(inputs, value), axis=-1, keepdims=True)

    def compute_mask(self, inputs, mask=None):
        return tf.reduce_any(tf.not_equal(inputs, tf.cast(self.mask_value, inputs.dtype)),
                             axis=-1)

    def call(self, inputs):
        keep = self._keep(inputs)
        outputs = inputs * tf.cast(keep, inputs.dtype)
        try:  # also when called outside Layer.__call__ (which attaches compute_mask's result)
            outputs._keras_mask = tf.squeeze(keep, axis=-1)
        except AttributeError:
            pass
        return outputs

    def compute_output_shape(self, input_shape):
        return tf.TensorShape(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
