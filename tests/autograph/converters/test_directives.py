"""set_loop_options at the top of a loop body -> the loop's options."""

import ast
import textwrap

from eagerflow.autograph.converters import directives
from tests.autograph.util import function_node

SOURCE = """
def f(s, n):
    while n > 0:
        tf.autograph.experimental.set_loop_options(maximum_iterations=5,
                                                   shape_invariants=[(s, None)])
        n -= 1
    return s
"""


def test_directive_lifted_into_options():
    node, ctx = function_node(SOURCE)
    directives.transform(node, ctx)
    loop = node.body[0]
    assert len(loop.body) == 1 and isinstance(loop.body[0], ast.AugAssign)
    opts = getattr(loop, directives.OPTS)
    assert [k.value for k in opts.keys] == ["maximum_iterations", "shape_invariants"]


def test_loop_without_directive_has_no_options():
    node, ctx = function_node(textwrap.dedent("""
        def f(n):
            while n > 0:
                n -= 1
    """))
    directives.transform(node, ctx)
    assert getattr(node.body[0], directives.OPTS, None) is None
