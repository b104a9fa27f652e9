"""The core: dtypes, shapes, tensors, variables, primitives and the execution context."""
