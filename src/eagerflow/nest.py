"""`tf.nest`: flatten, map and rebuild nested structures."""

from eagerflow.core.nest import *
