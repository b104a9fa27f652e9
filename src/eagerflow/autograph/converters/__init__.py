"""One converter per Python construct; `conversion.py` runs them in order (see PIPELINE).

Each converter is `transform(function_node, ctx) -> function_node` on the AST of
one function (nested functions included).
"""
