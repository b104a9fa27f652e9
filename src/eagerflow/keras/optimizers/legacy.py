"""`tf.keras.optimizers.legacy`: the same optimizer classes, for code written for tf_keras 2.x.

Legacy arguments still work: `lr=` (the learning rate) and `decay=` (time-based decay
`lr / (1 + decay * iterations)`). The updates are the current Keras ones; they differ from the
old tf_keras legacy classes only in where epsilon sits for Adagrad and momentum-free RMSprop
(`g / sqrt(s + eps)` rather than `g / (sqrt(s) + eps)`).
"""

from eagerflow.keras.optimizers.adagrad import Adadelta, Adagrad
from eagerflow.keras.optimizers.adam import Adam
from eagerflow.keras.optimizers.adamax import Adamax, Nadam
from eagerflow.keras.optimizers.ftrl import Ftrl
from eagerflow.keras.optimizers.optimizer import Optimizer
from eagerflow.keras.optimizers.rmsprop import RMSprop
from eagerflow.keras.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
           "Ftrl"]
