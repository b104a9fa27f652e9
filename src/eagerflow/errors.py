"""`tf.errors`: TF's exception classes and error codes."""

from eagerflow.core.errors import *
