"""`tf.keras.callbacks`: hooks into fit/evaluate/predict (logging, checkpoints, LR control)."""

from eagerflow.keras.callbacks.backup_and_restore import BackupAndRestore
from eagerflow.keras.callbacks.callback import Callback, CallbackList, History
from eagerflow.keras.callbacks.early_stopping import EarlyStopping
from eagerflow.keras.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from eagerflow.keras.callbacks.logging_callbacks import CSVLogger, LambdaCallback, TerminateOnNaN
from eagerflow.keras.callbacks.model_checkpoint import ModelCheckpoint
from eagerflow.keras.callbacks.progbar_logger import ProgbarLogger
from eagerflow.keras.callbacks.tensorboard import TensorBoard

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "ModelCheckpoint",
           "EarlyStopping", "LearningRateScheduler", "ReduceLROnPlateau", "TensorBoard",
           "CSVLogger", "LambdaCallback", "TerminateOnNaN", "BackupAndRestore"]
