"""Tiny stand-ins with exactly the functional-graph attributes plot_model reads (the plan's
interface: `layers`, `inputs`/`outputs`, `_inbound_nodes`, `Node.inbound_layers`,
`input_tensors`, `output_tensors`, `_keras_history`), to test the plotting on its own."""

from eagerflow import TensorShape


class FakeTensor:
    def __init__(self, shape, history=None):
        self.shape = TensorShape(shape)
        self._keras_history = history


class FakeNode:
    def __init__(self, layer, input_tensors, output_shapes):
        self.layer = layer
        self.input_tensors = list(input_tensors)
        index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        self.output_tensors = [FakeTensor(shape, (layer, index, i))
                               for i, shape in enumerate(output_shapes)]

    @property
    def inbound_layers(self):
        return [t._keras_history[0] for t in self.input_tensors]


class FakeLayer:
    def __init__(self, name, activation=None, dtype="float32", trainable=True):
        self.name = name
        self.activation = activation
        self.dtype = dtype
        self.trainable = trainable
        self._inbound_nodes = []

    def __call__(self, *inputs, shape=None):
        shape = shape if shape is not None else inputs[0].shape
        outputs = FakeNode(self, inputs, [shape]).output_tensors
        return outputs[0]

    @property
    def input_shape(self):
        shapes = [tuple(t.shape.as_list()) for t in self._inbound_nodes[0].input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        return tuple(self._inbound_nodes[0].output_tensors[0].shape.as_list())


class InputLayer(FakeLayer):
    pass


class Dense(FakeLayer):
    pass


class Embedding(FakeLayer):
    pass


class Concatenate(FakeLayer):
    pass


def fake_input(shape, name):
    layer = InputLayer(name)
    return FakeNode(layer, [], [(None, *shape)]).output_tensors[0]


class FakeModel:
    """A functional model: layers in topological order, InputLayers first."""

    def __init__(self, inputs, outputs, name="model", layers=None):
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.built = True
        self._inbound_nodes = []
        self.layers = layers if layers is not None else _layers_between(self.outputs)

    def __call__(self, *inputs, shape=None):
        return FakeLayer.__call__(self, *inputs, shape=shape)

    @property
    def input_shape(self):
        return tuple(self.inputs[0].shape.as_list())

    @property
    def output_shape(self):
        return tuple(self.outputs[0].shape.as_list())


def _layers_between(outputs):
    order, seen = [], set()

    def visit(tensor):
        layer, index, _ = tensor._keras_history
        for parent in layer._inbound_nodes[index].input_tensors:
            visit(parent)
        if id(layer) not in seen:
            seen.add(id(layer))
            order.append(layer)

    for tensor in outputs:
        visit(tensor)
    return sorted(order, key=lambda layer: not isinstance(layer, InputLayer))


def shared_embedding_model():
    """The seed's model: two inputs, one Embedding used on both, two Dense heads."""
    a, b = fake_input((None,), "text_a"), fake_input((None,), "text_b")
    embedding = Embedding("embedding")
    encoded_a = embedding(a, shape=(None, None, 128))
    encoded_b = embedding(b, shape=(None, None, 128))
    prediction_a = Dense("prediction_a", activation="sigmoid")(encoded_a, shape=(None, None, 1))
    prediction_b = Dense("prediction_b", activation="sigmoid")(encoded_b, shape=(None, None, 1))
    return FakeModel([a, b], [prediction_a, prediction_b], name="shared")
