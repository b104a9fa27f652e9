"""`tf.keras.optimizers.experimental`: tf_keras 2.11's names for the (now default) optimizers."""

from eagerflow.keras.optimizers.adagrad import Adadelta, Adagrad
from eagerflow.keras.optimizers.adam import Adam, AdamW
from eagerflow.keras.optimizers.adamax import Adamax, Nadam
from eagerflow.keras.optimizers.ftrl import Ftrl
from eagerflow.keras.optimizers.lion import Lion
from eagerflow.keras.optimizers.optimizer import Optimizer
from eagerflow.keras.optimizers.rmsprop import RMSprop
from eagerflow.keras.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Ftrl", "Lion"]
