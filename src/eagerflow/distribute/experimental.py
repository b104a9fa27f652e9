"""`tf.distribute.experimental`: the strategies and options TF keeps under `experimental`."""

from eagerflow.distribute.input import ValueContext
from eagerflow.distribute.strategies import (
    CentralStorageStrategy,
    CommunicationImplementation,
    CommunicationOptions,
    MultiWorkerMirroredStrategy,
    ParameterServerStrategy,
    TPUStrategy,
)

CollectiveCommunication = CommunicationImplementation  # its older name

__all__ = ["CentralStorageStrategy", "MultiWorkerMirroredStrategy", "TPUStrategy",
           "ParameterServerStrategy", "CommunicationImplementation", "CollectiveCommunication",
           "CommunicationOptions", "ValueContext"]
