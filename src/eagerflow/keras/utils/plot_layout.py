"""What `plot_model` draws, before drawing: the text rows of each layer's box, the box sizes
for a dpi (measured with Pillow's built-in font), and their layered layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eagerflow.keras.utils.graph_layout import Layout, layered_layout
from eagerflow.keras.utils.model_graph import GraphNode, ModelGraph, PlotOptions, build_model_graph

__all__ = ["PlotLayout", "layout_model"]


class Style:
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
    return layout_graph(graph, options, rankdir, dpi)


def layout_graph(graph: ModelGraph, options: PlotOptions, rankdir: str,
                 dpi: float) -> PlotLayout:
    """Measure each box's text at `dpi` and lay the boxes out in `rankdir` order."""
    style = Style(dpi)
    rows = tuple(tuple(_box_rows(node, options)) for node in graph.nodes)
    sizes = [(max(style.text_width(text) for text in lines) + 2 * style.pad_x,
              len(lines) * style.row_height) for lines in rows]
    rank_gap = style.rank_gap * (2 if graph.clusters else 1)  # room for cluster frames
    layout = layered_layout(sizes, graph.edges, rankdir=rankdir, node_gap=style.node_gap,
                            rank_gap=rank_gap, margin=style.margin * (2 if graph.clusters else 1))
    return PlotLayout(graph, rows, layout, dpi)
