"""`tf.keras.layers.experimental.preprocessing`: the TF 2.2-2.5 home of the preprocessing layers
(the same classes as `tf.keras.layers`)."""

from eagerflow.keras.layers.preprocessing import *  # noqa: F403
from eagerflow.keras.layers.preprocessing import __all__  # noqa: F401
