"""`tf.keras.preprocessing`: the older home of the data helpers now in `keras.utils`."""

from eagerflow.keras.preprocessing import image, sequence
from eagerflow.keras.utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
