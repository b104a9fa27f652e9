"""`tf.data`: input pipelines (Dataset, sources, transformations, iterators, options)."""

from eagerflow.data import experimental
from eagerflow.data.dataset import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    DatasetSpec,
    DatasetV2,
)
from eagerflow.data.iterator import Iterator, Optional
from eagerflow.data.options import (
    AutoShardPolicy,
    AutotuneOptions,
    DistributeOptions,
    ExternalStatePolicy,
    OptimizationOptions,
    Options,
    ThreadingOptions,
)
from eagerflow.data.sources import TextLineDataset, TFRecordDataset

__all__ = ["Dataset", "DatasetV2", "DatasetSpec", "TextLineDataset", "TFRecordDataset",
           "Options", "OptimizationOptions", "ThreadingOptions", "DistributeOptions",
           "AutotuneOptions", "AutoShardPolicy", "ExternalStatePolicy", "Iterator", "Optional",
           "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]
