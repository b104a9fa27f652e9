"""`tf.train`: the Example protos (hand-written wire format, no protobuf dependency) and TF
checkpoints (Checkpoint, CheckpointManager, the TensorBundle readers)."""

from eagerflow.data.example import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from eagerflow.train.checkpoint import Checkpoint, CheckpointOptions
from eagerflow.train.checkpoint_management import (
    CheckpointManager,
    get_checkpoint_state,
    latest_checkpoint,
)
from eagerflow.train.reader import (
    CheckpointReader,
    NewCheckpointReader,
    list_variables,
    load_checkpoint,
    load_variable,
)

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
           "FloatList", "Int64List", "SequenceExample",
           "Checkpoint", "CheckpointOptions", "CheckpointManager", "CheckpointReader",
           "NewCheckpointReader", "get_checkpoint_state", "latest_checkpoint", "list_variables",
           "load_checkpoint", "load_variable"]
