"""tf.function: tracing, caching and calling compiled graph functions."""

from eagerflow.function.function import (
    ConcreteFunction,
    Function,
    function,
    functions_run_eagerly,
    run_functions_eagerly,
)
