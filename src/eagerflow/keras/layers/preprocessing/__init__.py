"""Keras preprocessing layers (`tf.keras.layers.Normalization`, `StringLookup`, ...): the
classes of the family modules of this package, gathered by their `__all__`."""

from eagerflow.keras.layers.preprocessing.augmentation import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.augmentation import __all__ as _augmentation
from eagerflow.keras.layers.preprocessing.categorical import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.categorical import __all__ as _categorical
from eagerflow.keras.layers.preprocessing.image_preprocessing import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.image_preprocessing import __all__ as _image
from eagerflow.keras.layers.preprocessing.lookup import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.lookup import __all__ as _lookup
from eagerflow.keras.layers.preprocessing.numerical import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.numerical import __all__ as _numerical
from eagerflow.keras.layers.preprocessing.text_vectorization import *  # noqa: F403
from eagerflow.keras.layers.preprocessing.text_vectorization import __all__ as _text

__all__ = [*_numerical, *_categorical, *_lookup, *_text, *_image, *_augmentation]
