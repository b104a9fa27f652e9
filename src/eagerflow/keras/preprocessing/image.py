"""`tf.keras.preprocessing.image`: image file helpers (the same functions as keras.utils)."""

from eagerflow.keras.utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
