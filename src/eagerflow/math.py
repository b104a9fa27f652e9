"""`tf.math`: elementwise math, reductions and segment ops."""

from eagerflow.ops.math import *
from eagerflow.ops.reduce import *
