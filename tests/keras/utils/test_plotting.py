"""plot_model / model_to_dot on stand-in models with the functional-graph interface: the
layout (one box per layer, one arrow per connection, layers in order), the files written
(PNG, JPEG, PDF, SVG, DOT) and the errors Keras gives."""

import os
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

from eagerflow.keras.utils import model_to_dot, plot_model
from eagerflow.keras.utils.graph_layout import assign_ranks, layered_layout
from eagerflow.keras.utils.plotting import layout_model
from tests.keras.utils.fakes import (
    Concatenate,
    Dense,
    FakeLayer,
    FakeModel,
    fake_input,
    shared_embedding_model,
)


def _names(plot):
    return [node.name for node in plot.graph.nodes]


def _edges_by_name(plot):
    names = _names(plot)
    return {(names[s], names[t]) for s, t in plot.graph.edges}


def _overlap(a, b):
    return (a.x < b.x + b.width and b.x < a.x + a.width and
            a.y < b.y + b.height and b.y < a.y + a.height)


def _skip_model():
    """x -> d1 -> d2 -> d3 -> concat(d3, x) -> out: one arrow skips three layers."""
    x = fake_input((8,), "x")
    h = Dense("d3")(Dense("d2")(Dense("d1")(x)))
    out = Dense("out")(Concatenate("concat")(h, x, shape=(None, 16)))
    return FakeModel([x], [out], name="skip")


def test_shared_embedding_layout_has_a_box_per_layer_and_an_arrow_per_edge():
    plot = layout_model(shared_embedding_model())
    assert _names(plot) == ["text_a", "text_b", "embedding", "prediction_a", "prediction_b"]
    assert _edges_by_name(plot) == {("text_a", "embedding"), ("text_b", "embedding"),
                                    ("embedding", "prediction_a"),
                                    ("embedding", "prediction_b")}
    layout = plot.layout
    assert len(layout.boxes) == 5 and len(layout.arrows) == 4
    assert layout.ranks == (0, 0, 1, 2, 2)
    for i, a in enumerate(layout.boxes):  # no two boxes overlap, all inside the canvas
        assert 0 <= a.x and a.x + a.width <= layout.width
        assert 0 <= a.y and a.y + a.height <= layout.height
        assert not any(_overlap(a, b) for b in layout.boxes[i + 1:])
    for arrow in layout.arrows:  # top to bottom: from the source's bottom to the target's top
        source, target = layout.boxes[arrow.source], layout.boxes[arrow.target]
        assert arrow.points[0] == (source.center[0], source.y + source.height)
        assert arrow.points[-1] == (target.center[0], target.y)
    assert plot.rows[2] == ("embedding (Embedding)",)


def test_left_to_right_and_reversed_directions():
    model = shared_embedding_model()
    lr = layout_model(model, rankdir="LR").layout
    xs = [box.center[0] for box in lr.boxes]
    assert xs[0] == xs[1] < xs[2] < xs[3] == xs[4]
    for arrow in lr.arrows:
        assert arrow.points[0][0] == lr.boxes[arrow.source].x + lr.boxes[arrow.source].width
        assert arrow.points[-1][0] == lr.boxes[arrow.target].x
    bt = layout_model(model, rankdir="BT").layout
    assert bt.boxes[0].y > bt.boxes[2].y > bt.boxes[3].y
    rl = layout_model(model, rankdir="RL").layout
    assert rl.boxes[0].x > rl.boxes[2].x > rl.boxes[3].x
    with pytest.raises(ValueError, match="rankdir must be one of"):
        layout_model(model, rankdir="XY")


def test_an_arrow_skipping_layers_goes_around_the_boxes_between():
    plot = layout_model(_skip_model())
    layout = plot.layout
    names = _names(plot)
    skip = next(a for a in layout.arrows
                if (names[a.source], names[a.target]) == ("x", "concat"))
    assert len(skip.points) == 2 + 2 * 3  # two waypoints per skipped layer
    inner = [b for i, b in enumerate(layout.boxes) if names[i] in ("d1", "d2", "d3")]
    for (x0, y0), (x1, y1) in zip(skip.points, skip.points[1:]):
        for step in range(21):
            px, py = x0 + (x1 - x0) * step / 20, y0 + (y1 - y0) * step / 20
            assert not any(b.x < px < b.x + b.width and b.y < py < b.y + b.height
                           for b in inner)


def test_label_rows_follow_the_show_flags():
    plot = layout_model(shared_embedding_model(), show_shapes=True, show_dtype=True,
                        show_layer_activations=True, show_trainable=True)
    assert plot.rows[3] == ("prediction_a (Dense)", "activation: sigmoid", "dtype: float32",
                            "input: (None, None, 128)", "output: (None, None, 1)",
                            "trainable: T")
    assert plot.rows[0][2:4] == ("input: (None, None)", "output: (None, None)")
    plain = layout_model(shared_embedding_model(), show_layer_names=False)
    assert plain.rows[3] == ("Dense",)
    # Taller boxes with more rows, wider ones with longer text.
    assert plot.layout.boxes[3].height == 6 * plain.layout.boxes[3].height
    assert plot.layout.boxes[3].width > plain.layout.boxes[3].width


def test_multiple_input_shapes_are_listed():
    plot = layout_model(_skip_model(), show_shapes=True)
    concat = _names(plot).index("concat")
    assert plot.rows[concat][1:] == ("input: [(None, 8), (None, 8)]", "output: (None, 16)")


def test_wrapped_layers_show_both_names():
    class LSTM(FakeLayer):
        pass

    class Bidirectional(FakeLayer):
        def __init__(self, layer):
            super().__init__("bidirectional")
            self.layer = layer

    x = fake_input((5, 3), "x")
    model = FakeModel([x], [Bidirectional(LSTM("lstm"))(x, shape=(None, 8))])
    plot = layout_model(model)
    assert plot.rows[1] == ("bidirectional(lstm) (Bidirectional(LSTM))",)
    (node,) = [n for n in model_to_dot(model).get_nodes() if "lstm" in n.get_label()]
    assert node.get_label() == "bidirectional(lstm)|Bidirectional(LSTM)"


def test_layer_range_draws_a_part():
    model = shared_embedding_model()
    plot = layout_model(model, layer_range=["embedding", "prediction_b"])
    assert _names(plot) == ["embedding", "prediction_a", "prediction_b"]
    assert len(plot.layout.arrows) == 2
    plot = layout_model(model, layer_range=["text_.*", "emb.*"])  # regexes, as Keras
    assert _names(plot) == ["text_a", "text_b", "embedding"]
    with pytest.raises(ValueError, match="layer_range must be of shape"):
        layout_model(model, layer_range=["embedding"])
    with pytest.raises(ValueError, match="string type only"):
        layout_model(model, layer_range=[0, 2])
    with pytest.raises(ValueError, match="do not match the layer names"):
        layout_model(model, layer_range=["nope", "prediction_b"])


def test_a_shared_layer_brings_no_edges_from_another_model():
    dense = Dense("shared_dense")
    a, b = fake_input((4,), "in_a"), fake_input((4,), "in_b")
    FakeModel([a], [dense(a)], name="first")
    second = FakeModel([b], [Dense("head")(dense(b))], name="second")
    plot = layout_model(second)
    assert _names(plot) == ["in_b", "shared_dense", "head"]
    assert _edges_by_name(plot) == {("in_b", "shared_dense"), ("shared_dense", "head")}


def test_sequential_without_a_graph_is_a_chain():
    class Sequential:
        name = "sequential"
        built = True
        outputs = None

        def __init__(self, layers):
            self.layers = layers

    layers = [FakeLayer(f"dense_{i}") for i in range(3)]
    plot = layout_model(Sequential(layers))
    assert _edges_by_name(plot) == {("dense_0", "dense_1"), ("dense_1", "dense_2")}
    assert plot.layout.ranks == (0, 1, 2)


def test_model_without_a_graph_is_one_box_and_unbuilt_raises():
    class MyModel:
        name = "my_model"
        built = True
        layers = [FakeLayer("dense")]

    plot = layout_model(MyModel())
    assert plot.rows == (("my_model",),) and plot.layout.arrows == ()
    unbuilt = MyModel()
    unbuilt.built = False
    with pytest.raises(ValueError, match="This model has not yet been built"):
        layout_model(unbuilt)
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model_to_dot(unbuilt)


def _nested_model():
    inner_in = fake_input((8,), "inner_in")
    inner = FakeModel([inner_in], [Dense("inner_dense")(inner_in)], name="inner")
    x = fake_input((8,), "x")
    out = Dense("out")(inner(Dense("pre")(x)))
    return FakeModel([x], [out], name="outer")


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    model = _nested_model()
    folded = layout_model(model)
    assert _names(folded) == ["x", "pre", "inner", "out"]
    plot = layout_model(model, expand_nested=True)
    assert _names(plot) == ["x", "pre", "inner_in", "inner_dense", "out"]
    assert _edges_by_name(plot) == {("x", "pre"), ("pre", "inner_in"),
                                    ("inner_in", "inner_dense"), ("inner_dense", "out")}
    (cluster,) = plot.graph.clusters
    assert cluster.name == "inner" and [_names(plot)[i] for i in cluster.members] == [
        "inner_in", "inner_dense"]


def test_model_to_dot_gives_keras_record_labels():
    model = shared_embedding_model()
    dot = model_to_dot(model, show_shapes=True)
    text = dot.to_string()
    assert text.startswith("digraph G {\nconcentrate=True;\ndpi=96;\nrankdir=TB;\n"
                           "node [shape=record];\n")
    labels = [node.get_label() for node in dot.get_nodes()]
    assert labels[2] == ("{embedding|Embedding}|{input:|output:}|{{(None, None)}|"
                         "{(None, None, 128)}}")
    assert len(dot.get_edges()) == 4 and text.count(" -> ") == 4
    assert str(dot) == text
    labels = [n.get_label() for n in model_to_dot(
        model, show_layer_activations=True, show_dtype=True, show_trainable=True).get_nodes()]
    assert labels[3] == "T|prediction_a|{Dense|sigmoid}|float32"
    sub = model_to_dot(model, subgraph=True).to_string()
    assert sub.startswith('subgraph "cluster_shared" {')
    nested = model_to_dot(_nested_model(), expand_nested=True).to_string()
    assert 'subgraph "cluster_inner" {' in nested


def test_png_file(tmp_path):
    path = tmp_path / "shared_model.png"
    assert plot_model(shared_embedding_model(), to_file=str(path), show_shapes=True) is None
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert 250 < width < 1500 and 250 < height < 1500
        colours = image.convert("L").getextrema()
    assert colours == (0, 255)  # black lines on white
    assert os.listdir(tmp_path) == ["shared_model.png"]  # no temporary file left
    big = tmp_path / "big.png"
    plot_model(shared_embedding_model(), to_file=str(big), show_shapes=True, dpi=192)
    with Image.open(big) as image:
        assert 1.8 * width < image.size[0] < 2.2 * width


@pytest.mark.parametrize("name, pillow_format", [("m.jpg", "JPEG"), ("m.jpeg", "JPEG"),
                                                 ("m.gif", "GIF"), ("model", "PNG")])
def test_bitmap_formats_follow_the_extension(tmp_path, name, pillow_format):
    path = tmp_path / name
    plot_model(shared_embedding_model(), to_file=path)
    with Image.open(path) as image:
        assert image.format == pillow_format


def test_pdf_svg_and_dot_files(tmp_path):
    model = shared_embedding_model()
    plot_model(model, to_file=tmp_path / "m.pdf")
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")
    plot_model(model, to_file=tmp_path / "m.svg", show_shapes=True)
    root = ElementTree.parse(tmp_path / "m.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}rect")) == 1 + 5  # background + one per layer
    assert len(root.findall(f"{ns}polyline")) == 4
    assert "embedding (Embedding)" in [t.text for t in root.findall(f"{ns}text")]
    plot_model(model, to_file=tmp_path / "m.dot")
    assert (tmp_path / "m.dot").read_text().count(" -> ") == 4


def test_unknown_extension_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="cannot write a '.xyz' file"):
        plot_model(shared_embedding_model(), to_file=tmp_path / "m.xyz")
    assert os.listdir(tmp_path) == []


def test_rank_assignment_is_longest_path_and_survives_cycles():
    assert assign_ranks(4, [(0, 1), (1, 2), (0, 2), (2, 3)]) == [0, 1, 2, 3]
    assert assign_ranks(3, []) == [0, 0, 0]
    assert assign_ranks(3, [(0, 1), (1, 2), (2, 1)]) == [0, 1, 2]


def test_barycentre_ordering_uncrosses_edges():
    # a, b on top; their children listed in crossed order (child of b first).
    layout = layered_layout([(10, 10)] * 4, [(0, 3), (1, 2)])
    boxes = layout.boxes
    assert boxes[0].x < boxes[1].x and boxes[3].x < boxes[2].x
    for arrow in layout.arrows:  # straight down: no crossing
        assert arrow.points[0][0] == arrow.points[-1][0]


def test_empty_and_single_layouts():
    single = layered_layout([(30, 20)], [], margin=5)
    assert (single.width, single.height) == (40, 30)
    assert single.boxes[0].x == 5 and single.boxes[0].y == 5
    empty = layered_layout([], [])
    assert empty.boxes == () and empty.arrows == ()
