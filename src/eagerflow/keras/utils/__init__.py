"""`tf.keras.utils`: progress bars, model plots, label encoding, padding, seeding, images,
file downloads and console logging.

The serialization helpers (`register_keras_serializable`, `custom_object_scope`, ...) are
`keras.saving`'s, re-exported here as tf.keras.utils has them.
"""

from eagerflow.keras.saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from eagerflow.keras.utils.data_utils import (
    Sequence,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from eagerflow.keras.utils.dataset_utils import split_dataset, timeseries_dataset_from_array
from eagerflow.keras.utils.directory_datasets import (
    audio_dataset_from_directory,
    image_dataset_from_directory,
    text_dataset_from_directory,
)
from eagerflow.keras.utils.file_utils import get_file
from eagerflow.keras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from eagerflow.keras.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from eagerflow.keras.utils.layer_utils import get_source_inputs, warmstart_embedding_matrix
from eagerflow.keras.utils.numerical import normalize, to_categorical, to_ordinal
from eagerflow.keras.utils.plotting import model_to_dot, plot_model
from eagerflow.keras.utils.progbar import Progbar
from eagerflow.keras.utils.seeding import set_random_seed
from eagerflow.keras.utils.sequences import pad_sequences

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
    "Progbar",
    "Sequence",
    "array_to_img",
    "audio_dataset_from_directory",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_file",
    "get_source_inputs",
    "image_dataset_from_directory",
    "img_to_array",
    "is_interactive_logging_enabled",
    "load_img",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_model",
    "save_img",
    "set_random_seed",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
    "to_ordinal",
    "unpack_x_y_sample_weight",
    "warmstart_embedding_matrix",
]
