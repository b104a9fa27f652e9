"""`tf.distribute` for one CPU: the Strategy API (scope, run, reduce, distributed datasets,
replica contexts) with exactly one replica, so TF 2 programs written for strategies run
unchanged and give the numbers they give without one."""

from eagerflow.distribute import cluster_resolver, experimental
from eagerflow.distribute.context import (
    experimental_set_strategy,
    get_replica_context,
    get_strategy,
    has_strategy,
    in_cross_replica_context,
)
from eagerflow.distribute.input import (
    DistributedDataset,
    DistributedIterator,
    InputContext,
    InputOptions,
    InputReplicationMode,
    RunOptions,
)
from eagerflow.distribute.reduce_op import ReduceOp
from eagerflow.distribute.strategies import (
    CrossDeviceOps,
    HierarchicalCopyAllReduce,
    MirroredStrategy,
    MultiWorkerMirroredStrategy,
    NcclAllReduce,
    OneDeviceStrategy,
    ParameterServerStrategy,
    ReductionToOneDevice,
    TPUStrategy,
)
from eagerflow.distribute.strategy import ReplicaContext, Strategy, StrategyExtended
from eagerflow.distribute.values import DistributedValues

__all__ = ["Strategy", "StrategyExtended", "ReplicaContext", "MirroredStrategy",
           "OneDeviceStrategy", "MultiWorkerMirroredStrategy", "TPUStrategy",
           "ParameterServerStrategy", "CrossDeviceOps", "ReductionToOneDevice", "NcclAllReduce",
           "HierarchicalCopyAllReduce", "ReduceOp", "DistributedValues", "DistributedDataset",
           "DistributedIterator", "InputContext", "InputOptions", "InputReplicationMode",
           "RunOptions", "get_strategy", "has_strategy", "get_replica_context",
           "in_cross_replica_context", "experimental_set_strategy", "experimental",
           "cluster_resolver"]
