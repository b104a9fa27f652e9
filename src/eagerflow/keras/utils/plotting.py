"""`keras.utils.plot_model` and `model_to_dot`, drawn without Graphviz.

The model's layer graph (model_graph.py) is laid out in layers (graph_layout.py) and drawn with
Pillow as record-like boxes joined by arrows: PNG, JPEG, PDF and the other formats Pillow
writes, plus SVG and DOT text written directly. `model_to_dot` gives Keras's DOT source.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eagerflow.keras.utils.graph_layout import Layout, layered_layout
from eagerflow.keras.utils.model_graph import GraphNode, ModelGraph, PlotOptions, build_model_graph

__all__ = ["DotGraph", "PlotLayout", "layout_model", "model_to_dot", "plot_model"]

_TEXT_FORMATS = ("dot", "gv", "svg")


# -- geometry of the boxes ----------------------------------------------------------------------

class _Style:
    """Sizes in pixels for one dpi: 10 pt text (13 px at 96 dpi), paddings, gaps, arrows."""

    def __init__(self, dpi: float) -> None:
        if not dpi or dpi <= 0:
            raise ValueError(f"dpi must be a positive number. Received: dpi={dpi}")
        self.scale = float(dpi) / 72.0
        self.font = _load_font(max(int(round(10 * self.scale)), 6))
        top, bottom = self.font.getbbox("Ag(|)[y")[1::2]
        self.line_height = bottom - top
        self.text_top = top
        self.pad_x = round(8 * self.scale)
        self.pad_y = round(4 * self.scale)
        self.line_width = max(1, round(self.scale))
        self.arrow_length = round(8 * self.scale)
        self.arrow_half_width = round(3.5 * self.scale)
        self.node_gap = round(18 * self.scale)
        self.rank_gap = round(34 * self.scale)
        self.margin = round(12 * self.scale)

    def text_width(self, text: str) -> float:
        return self.font.getlength(text)

    @property
    def row_height(self) -> float:
        return self.line_height + 2 * self.pad_y


def _load_font(size: int):
    """Pillow's built-in font at `size` pixels (FreeType), or its fixed bitmap font."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError, AttributeError):  # Pillow < 10.1 or no FreeType
        return ImageFont.load_default()


def _box_rows(node: GraphNode, options: PlotOptions) -> list[str]:
    if node.whole_model:
        return [node.name]
    return [node.title(options)] + node.detail_rows()


@dataclass(frozen=True)
class PlotLayout:
    """What `plot_model` draws: the layer graph, the text rows of each box and the layout."""

    graph: ModelGraph
    rows: tuple[tuple[str, ...], ...]
    layout: Layout
    dpi: float


def layout_model(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False,
                 dpi: float = 96, layer_range: Sequence[str] | None = None,
                 show_layer_activations: bool = False,
                 show_trainable: bool = False) -> PlotLayout:
    """The boxes and arrows `plot_model` would draw for `model` (same arguments), undrawn."""
    options = PlotOptions(show_shapes=show_shapes, show_dtype=show_dtype,
                          show_layer_names=show_layer_names, expand_nested=expand_nested,
                          show_layer_activations=show_layer_activations,
                          show_trainable=show_trainable)
    graph = build_model_graph(model, options, layer_range)
    return _layout_graph(graph, options, rankdir, dpi)


def _layout_graph(graph: ModelGraph, options: PlotOptions, rankdir: str,
                  dpi: float) -> PlotLayout:
    style = _Style(dpi)
    rows = tuple(tuple(_box_rows(node, options)) for node in graph.nodes)
    sizes = [(max(style.text_width(text) for text in lines) + 2 * style.pad_x,
              len(lines) * style.row_height) for lines in rows]
    rank_gap = style.rank_gap * (2 if graph.clusters else 1)  # room for cluster frames
    layout = layered_layout(sizes, graph.edges, rankdir=rankdir, node_gap=style.node_gap,
                            rank_gap=rank_gap, margin=style.margin * (2 if graph.clusters else 1))
    return PlotLayout(graph, rows, layout, dpi)


# -- drawing ------------------------------------------------------------------------------------

def _arrow_head(points, style: _Style) -> list[tuple[float, float]]:
    """Triangle at the end of the polyline `points`, pointing along its last segment."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    bx, by = x1 - ux * style.arrow_length, y1 - uy * style.arrow_length
    w = style.arrow_half_width
    return [(x1, y1), (bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)]


def _cluster_frames(plot: PlotLayout, style: _Style) -> list[tuple[str, tuple[float, ...]]]:
    """(name, (left, top, right, bottom)) of each expanded nested model's dashed frame."""
    frames = []
    pad = style.pad_x
    for cluster in plot.graph.clusters:
        if not cluster.members:
            continue
        boxes = [plot.layout.boxes[i] for i in cluster.members]
        frames.append((cluster.name, (
            min(b.x for b in boxes) - pad,
            min(b.y for b in boxes) - pad - style.row_height,
            max(b.x + b.width for b in boxes) + pad,
            max(b.y + b.height for b in boxes) + pad)))
    return frames


def _dashed_rectangle(draw, frame, style: _Style) -> None:
    left, top, right, bottom = frame
    dash = 4 * style.line_width
    for (x0, y0), (x1, y1) in (((left, top), (right, top)), ((right, top), (right, bottom)),
                               ((right, bottom), (left, bottom)), ((left, bottom), (left, top))):
        length = max(abs(x1 - x0), abs(y1 - y0))
        steps = max(int(length // (2 * dash)), 1)
        for i in range(steps + 1):
            start, stop = i * 2 * dash / length, min((i * 2 + 1) * dash / length, 1.0)
            if start >= 1.0:
                break
            draw.line([(x0 + (x1 - x0) * start, y0 + (y1 - y0) * start),
                       (x0 + (x1 - x0) * stop, y0 + (y1 - y0) * stop)],
                      fill="gray", width=style.line_width)


def render_image(plot: PlotLayout):
    """The drawing as a white RGB `PIL.Image`."""
    from PIL import Image, ImageDraw

    style = _Style(plot.dpi)
    layout = plot.layout
    image = Image.new("RGB", (max(int(round(layout.width)), 1), max(int(round(layout.height)),
                                                                     1)), "white")
    draw = ImageDraw.Draw(image)
    for name, frame in _cluster_frames(plot, style):
        _dashed_rectangle(draw, frame, style)
        draw.text((frame[0] + style.pad_x, frame[1] + style.pad_y - style.text_top), name,
                  fill="black", font=style.font)
    for arrow in layout.arrows:
        draw.line(list(arrow.points), fill="black", width=style.line_width)
        draw.polygon(_arrow_head(arrow.points, style), fill="black")
    for box, lines in zip(layout.boxes, plot.rows):
        draw.rectangle([box.x, box.y, box.x + box.width, box.y + box.height], fill="white",
                       outline="black", width=style.line_width)
        for i, text in enumerate(lines):
            top = box.y + i * style.row_height
            if i:
                draw.line([(box.x, top), (box.x + box.width, top)], fill="black",
                          width=style.line_width)
            left = box.x + (box.width - style.text_width(text)) / 2
            draw.text((left, top + style.pad_y - style.text_top), text, fill="black",
                      font=style.font)
    return image


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def render_svg(plot: PlotLayout) -> str:
    """The drawing as SVG text (the same geometry as the bitmap)."""
    style = _Style(plot.dpi)
    layout = plot.layout
    size = style.line_height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
             f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.1f} '
             f'{layout.height:.1f}" font-family="sans-serif" font-size="{size}">',
             '<rect width="100%" height="100%" fill="white"/>']
    for name, (left, top, right, bottom) in _cluster_frames(plot, style):
        parts.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
                     f'height="{bottom - top:.1f}" fill="none" stroke="gray" '
                     f'stroke-dasharray="4"/>')
        parts.append(f'<text x="{left + style.pad_x:.1f}" y="{top + style.row_height / 2:.1f}" '
                     f'dominant-baseline="central">{_xml(name)}</text>')
    for arrow in layout.arrows:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in arrow.points)
        head = " ".join(f"{x:.1f},{y:.1f}" for x, y in _arrow_head(arrow.points, style))
        parts.append(f'<polyline points="{points}" fill="none" stroke="black"/>')
        parts.append(f'<polygon points="{head}" fill="black"/>')
    for box, lines in zip(layout.boxes, plot.rows):
        parts.append(f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
                     f'height="{box.height:.1f}" fill="white" stroke="black"/>')
        for i, text in enumerate(lines):
            top = box.y + i * style.row_height
            if i:
                parts.append(f'<line x1="{box.x:.1f}" y1="{top:.1f}" '
                             f'x2="{box.x + box.width:.1f}" y2="{top:.1f}" stroke="black"/>')
            parts.append(f'<text x="{box.x + box.width / 2:.1f}" '
                         f'y="{top + style.row_height / 2:.1f}" text-anchor="middle" '
                         f'dominant-baseline="central">{_xml(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# -- DOT ----------------------------------------------------------------------------------------

def _record_text(text: str) -> str:
    """Text inside a Graphviz record label: structure characters escaped."""
    for char in "\\{}|<>\"":
        text = text.replace(char, "\\" + char)
    return text


def _dot_label(node: GraphNode, options: PlotOptions) -> str:
    """Keras's record label: name|class, then activation, dtype, shapes, trainable."""
    if node.whole_model:
        return _record_text(node.name)
    label = _record_text(node.class_name)
    if node.activation is not None:
        label = f"{{{label}|{_record_text(node.activation)}}}"
    if options.show_layer_names:
        label = f"{_record_text(node.name)}|{label}"
    if node.dtype is not None:
        label = f"{label}|{_record_text(node.dtype)}"
    if node.input_shape is not None:
        label = (f"{{{label}}}|{{input:|output:}}|{{{{{_record_text(node.input_shape)}}}|"
                 f"{{{_record_text(node.output_shape or '?')}}}}}")
    if node.trainable is not None:
        label = f"{'T' if node.trainable else 'NT'}|{label}"
    return label


@dataclass(frozen=True)
class DotNode:
    name: str
    label: str

    def get_name(self) -> str:
        return self.name

    def get_label(self) -> str:
        return self.label


@dataclass(frozen=True)
class DotEdge:
    source: str
    destination: str

    def get_source(self) -> str:
        return self.source

    def get_destination(self) -> str:
        return self.destination


class DotGraph:
    """DOT source of a model plot, with the parts of `pydot.Dot` that callers use."""

    def __init__(self, graph: ModelGraph, options: PlotOptions, rankdir: str, dpi: float,
                 subgraph: bool = False) -> None:
        self.name = graph.name
        self.rankdir = rankdir
        self.dpi = dpi
        self.subgraph = subgraph
        self._nodes = [DotNode(node.key, _dot_label(node, options)) for node in graph.nodes]
        self._edges = [DotEdge(graph.nodes[s].key, graph.nodes[t].key) for s, t in graph.edges]
        self._clusters = [(c.name, [graph.nodes[i].key for i in c.members])
                          for c in graph.clusters]

    def get_nodes(self) -> list[DotNode]:
        return list(self._nodes)

    def get_edges(self) -> list[DotEdge]:
        return list(self._edges)

    def to_string(self) -> str:
        """The graph in the DOT language (what `dot` would read)."""
        def quote(text: str) -> str:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        if self.subgraph:
            lines = [f"subgraph {quote('cluster_' + self.name)} {{", "style=dashed;",
                     f"label={quote(self.name)};", "labeljust=l;"]
        else:
            lines = ["digraph G {", "concentrate=True;", f"dpi={self.dpi};",
                     f"rankdir={self.rankdir};", "node [shape=record];"]
        clustered = {key for _, keys in self._clusters for key in keys}
        for name, keys in self._clusters:
            lines.append(f"subgraph {quote('cluster_' + name)} {{")
            lines += ["style=dashed;", f"label={quote(name)};", "labeljust=l;"]
            lines += [f"{quote(n.name)} [label=\"{n.label}\"];" for n in self._nodes
                      if n.name in keys]
            lines.append("}")
        lines += [f"{quote(n.name)} [label=\"{n.label}\"];" for n in self._nodes
                  if n.name not in clustered]
        lines += [f"{quote(e.source)} -> {quote(e.destination)};" for e in self._edges]
        lines.append("}")
        return "\n".join(lines) + "\n"

    __str__ = to_string

    def write(self, path: str | os.PathLike) -> None:
        """Write the DOT source to `path`."""
        _write_atomically(os.fspath(path), lambda tmp: _write_text(tmp, self.to_string()))


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: float = 96, subgraph: bool = False,
                 layer_range: Sequence[str] | None = None, show_layer_activations: bool = False,
                 show_trainable: bool = False) -> DotGraph:
    """Convert a Keras model to dot format (a `DotGraph`; `.to_string()` gives the source).

    Arguments are those of `plot_model`; `subgraph=True` gives a dashed cluster for nesting.

    Raises:
        ValueError: if the model is not built, or for a bad `rankdir` or `layer_range`.
    """
    from eagerflow.keras.utils.graph_layout import RANK_DIRECTIONS

    if rankdir not in RANK_DIRECTIONS:
        raise ValueError(f"rankdir must be one of {RANK_DIRECTIONS}. Received: rankdir={rankdir!r}")
    options = PlotOptions(show_shapes=show_shapes, show_dtype=show_dtype,
                          show_layer_names=show_layer_names, expand_nested=expand_nested,
                          show_layer_activations=show_layer_activations,
                          show_trainable=show_trainable)
    graph = build_model_graph(model, options, layer_range)
    return DotGraph(graph, options, rankdir, dpi, subgraph=subgraph)


# -- files --------------------------------------------------------------------------------------

def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _write_atomically(path: str, write) -> None:
    """Call `write(temporary_path)` next to `path`, then rename over it (no half-written file)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".plot_model-")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


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
    plot = _layout_graph(build_model_graph(model, options, layer_range), options, rankdir, dpi)
    if extension == "svg":
        _write_atomically(path, lambda tmp: _write_text(tmp, render_svg(plot)))
    else:
        image = render_image(plot)
        extra = {"resolution": float(dpi)} if pillow_format == "PDF" else {"dpi": (dpi, dpi)}
        _write_atomically(path, lambda tmp: image.save(tmp, format=pillow_format, **extra))
    if extension != "pdf" and "IPython" in sys.modules:
        try:
            from IPython import display

            return display.Image(filename=path)
        except ImportError:
            pass
    return None
