"""`keras.utils.plot_model`, drawn without Graphviz.

The model's layer graph (model_graph.py) is laid out in layers (graph_layout.py,
plot_layout.py) and drawn with Pillow (plot_render.py): PNG, JPEG, PDF and the other formats
Pillow writes, plus SVG and DOT text (dot_export.py) written directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from eagerflow.core import files
from eagerflow.keras.utils.dot_export import DotGraph, model_to_dot
from eagerflow.keras.utils.model_graph import PlotOptions, build_model_graph
from eagerflow.keras.utils.plot_layout import PlotLayout, layout_graph, layout_model
from eagerflow.keras.utils.plot_render import render_image, render_svg

__all__ = ["DotGraph", "PlotLayout", "layout_model", "model_to_dot", "plot_model"]

_TEXT_FORMATS = ("dot", "gv", "svg")


def _pillow_format(extension: str) -> str:
    from PIL import Image

    known = {ext.lstrip("."): fmt for ext, fmt in Image.registered_extensions().items()}
    if extension not in known or not _pillow_can_save(known[extension]):
        supported = sorted({"png", "jpg", "jpeg", "pdf", *_TEXT_FORMATS})
        raise ValueError(f"plot_model cannot write a '.{extension}' file. Use one of the "
                         f"extensions {supported} (the format follows the file name).")
    return known[extension]


def _pillow_can_save(fmt: str) -> bool:
    from PIL import Image

    Image.init()
    return fmt in Image.SAVE


def plot_model(model: Any, to_file: str | os.PathLike = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
               expand_nested: bool = False, dpi: float = 96,
               layer_range: Sequence[str] | None = None, show_layer_activations: bool = False,
               show_trainable: bool = False):
    """Converts a Keras model to an image of its layer graph and saves it to `to_file`.

    The format follows the extension: PNG (default when there is none), JPEG, PDF and the
    other formats Pillow writes, SVG, or DOT source for `.dot`/`.gv`. No Graphviz needed.

    Args:
        model: A built Keras model (functional, Sequential, or subclassed: one box).
        to_file: File name of the plot image.
        show_shapes: whether to display input/output shape information.
        show_dtype: whether to display layer dtypes.
        show_layer_names: whether to display layer names.
        rankdir: 'TB' (vertical plot), 'LR' (horizontal plot), 'BT' or 'RL'.
        expand_nested: whether to draw the layers of nested models in dashed frames.
        dpi: Dots per inch (scales the drawing; 96 is Keras's size).
        layer_range: `[first_name, last_name]` (names or regexes, both inclusive) to draw
            only part of the model.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show 'T' or 'NT' for trainable / frozen layers.

    Returns:
        An `IPython.display.Image` of the plot when IPython is running (a notebook), else None.

    Example:
        >>> tf.keras.utils.plot_model(model, to_file="model.png", show_shapes=True)
    """
    path = os.fspath(to_file)
    extension = os.path.splitext(path)[1][1:].lower() or "png"
    options = PlotOptions(show_shapes=show_shapes, show_dtype=show_dtype,
                          show_layer_names=show_layer_names, expand_nested=expand_nested,
                          show_layer_activations=show_layer_activations,
                          show_trainable=show_trainable)
    if extension in ("dot", "gv"):
        dot = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir,
                           expand_nested, dpi, layer_range=layer_range,
                           show_layer_activations=show_layer_activations,
                           show_trainable=show_trainable)
        dot.write(path)
        return None
    pillow_format = None if extension == "svg" else _pillow_format(extension)
    plot = layout_graph(build_model_graph(model, options, layer_range), options, rankdir, dpi)
    if extension == "svg":
        with files.atomic_write(path, "w", encoding="utf-8") as stream:
            stream.write(render_svg(plot))
    else:
        image = render_image(plot)
        extra = {"resolution": float(dpi)} if pillow_format == "PDF" else {"dpi": (dpi, dpi)}
        with files.atomic_path(path) as temporary:
            image.save(temporary, format=pillow_format, **extra)
    if extension != "pdf" and "IPython" in sys.modules:
        try:
            from IPython import display

            return display.Image(filename=path)
        except ImportError:
            pass
    return None
