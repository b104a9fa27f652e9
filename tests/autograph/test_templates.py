"""Templates: placeholders for statements, expressions and names; locations; fresh names."""

import ast

from eagerflow.autograph import templates


def test_replace_statements_expressions_and_names():
    body = ast.parse("x = 1\ny = 2").body
    test = ast.parse("a > 0", mode="eval").body
    out = templates.replace("def fn():\n    nonlocal v\n    body\nwhile cond:\n    pass\n",
                            fn="if_body", v="total", body=body, cond=test)
    text = ast.unparse(ast.Module(body=out, type_ignores=[]))
    assert text == ("def if_body():\n    nonlocal total\n    x = 1\n    y = 2\n"
                    "while a > 0:\n    pass")


def test_empty_body_becomes_pass():
    out = templates.replace("def fn():\n    body\n", body=[])
    assert isinstance(out[0].body[0], ast.Pass)


def test_location_of_template_nodes_is_the_user_line():
    loc = ast.parse("\n\nif x > 0:\n    pass\n").body[0]
    out = templates.replace("ag__.if_stmt(cond)", loc=loc, cond=loc.test)
    call = out[0].value
    assert call.lineno == 3 and call.func.lineno == 3 and call.func.end_lineno == 3
    assert call.args[0] is loc.test


def test_namer_avoids_used_names():
    namer = templates.Namer({"break_", "x"})
    assert namer.new("break_") == "break__1"
    assert namer.new("break_") == "break__2"
    assert namer.new("retval_") == "retval_"
