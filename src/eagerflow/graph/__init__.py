"""The graph IR: nodes, symbolic tensors, the tracer context, interpreter and printer."""
