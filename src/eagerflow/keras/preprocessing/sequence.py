"""`tf.keras.preprocessing.sequence`: sequence padding (the same function as keras.utils)."""

from eagerflow.keras.utils import pad_sequences

__all__ = ["pad_sequences"]
