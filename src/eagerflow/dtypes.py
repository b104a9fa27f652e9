"""`tf.dtypes`: the DType objects and `as_dtype`."""

from eagerflow.core.dtypes import *
from eagerflow.core.dtypes import DType, as_dtype, from_numpy
