"""Operator layers in model configs: tf_keras's TFOpLambda nodes and Keras 3's operation classes.

eagerflow writes operators the tf_keras way (a `TFOpLambda` naming the TF op, the first argument
as the node's input and the others as node kwargs). Reading, both dialects become eagerflow
`TFOpLambda` entries with Keras 3 style nodes (`{"args": [...], "kwargs": {...}}`):
tf_keras's `[[layer, node, tensor, kwargs]]` lists (with `_CONSTANT_VALUE` for a constant
first argument) and Keras 3's `keras.src.ops.*` classes (`Add`, `NotEqual`, `GetItem`, ...),
whose op is looked up in a fixed table here and then in the op allow-list. Pure functions on
config dicts.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

__all__ = ["KERAS3_OPERATIONS", "OP_LAYER_CLASSES", "op_layer_for_keras3", "op_layer_modules",
           "op_node_for_tf_keras", "with_op_layers_normalized"]

OP_LAYER_CLASSES = frozenset({"TFOpLambda", "SlicingOpLambda"})

_OP_LAYER_MODULES = frozenset({
    "keras.layers", "tf_keras.src.layers.core.tf_op_layer", "keras.src.layers.core.tf_op_layer",
    "tensorflow.python.keras.layers.core", "keras.layers.core.tf_op_layer",
})

_KERAS3_OP_MODULES = frozenset({
    "keras.src.ops.numpy", "keras.src.ops.nn", "keras.src.ops.core", "keras.src.ops.math",
    "keras.src.ops.linalg",
})

_CONSTANT = "_CONSTANT_VALUE"


def op_layer_modules() -> frozenset:
    """The module strings under which a file may name TFOpLambda / SlicingOpLambda."""
    return _OP_LAYER_MODULES


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


_REDUCTION = _same("axis", "keepdims")

# Keras 3 operation class -> (TF API path, {Keras 3 config key: TF keyword}, {config key: the
# only value eagerflow's op can honour}). Keys in neither dict are refused.
KERAS3_OPERATIONS: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {
    # element-wise, one input
    "Negative": ("math.negative", {}, {}), "Absolute": ("math.abs", {}, {}),
    "Abs": ("math.abs", {}, {}), "Sqrt": ("math.sqrt", {}, {}), "Exp": ("math.exp", {}, {}),
    "Log": ("math.log", {}, {}), "Log1p": ("math.log1p", {}, {}),
    "Expm1": ("math.expm1", {}, {}), "Square": ("math.square", {}, {}),
    "Tanh": ("math.tanh", {}, {}), "Sin": ("math.sin", {}, {}), "Cos": ("math.cos", {}, {}),
    "Sign": ("math.sign", {}, {}), "Floor": ("math.floor", {}, {}),
    "Ceil": ("math.ceil", {}, {}), "Reciprocal": ("math.reciprocal", {}, {}),
    "Rsqrt": ("math.rsqrt", {}, {}), "LogicalNot": ("math.logical_not", {}, {}),
    "Round": ("math.round", {}, {"decimals": 0}), "Erf": ("math.erf", {}, {}),
    "Isnan": ("math.is_nan", {}, {}), "Isinf": ("math.is_inf", {}, {}),
    "Sigmoid": ("math.sigmoid", {}, {}), "Relu": ("nn.relu", {}, {}),
    "Relu6": ("nn.relu6", {}, {}), "Softplus": ("math.softplus", {}, {}),
    "Softsign": ("nn.softsign", {}, {}), "Silu": ("nn.silu", {}, {}),
    "Selu": ("nn.selu", {}, {}), "Elu": ("nn.elu", {}, {"alpha": 1.0}),
    "LeakyRelu": ("nn.leaky_relu", {"negative_slope": "alpha"}, {}),
    "Gelu": ("nn.gelu", _same("approximate"), {}),
    "Softmax": ("nn.softmax", _same("axis"), {}),
    "LogSoftmax": ("nn.log_softmax", _same("axis"), {}),
    "ZerosLike": ("zeros_like", {}, {"dtype": None}),
    "OnesLike": ("ones_like", {}, {"dtype": None}),
    # element-wise, two or three inputs
    "Add": ("math.add", {}, {}), "Subtract": ("math.subtract", {}, {}),
    "Multiply": ("math.multiply", {}, {}), "Divide": ("math.truediv", {}, {}),
    "TrueDivide": ("math.truediv", {}, {}), "FloorDivide": ("math.floordiv", {}, {}),
    "Mod": ("math.floormod", {}, {}), "Power": ("math.pow", {}, {}),
    "Maximum": ("math.maximum", {}, {}), "Minimum": ("math.minimum", {}, {}),
    "Equal": ("math.equal", {}, {}), "NotEqual": ("math.not_equal", {}, {}),
    "Greater": ("math.greater", {}, {}), "GreaterEqual": ("math.greater_equal", {}, {}),
    "Less": ("math.less", {}, {}), "LessEqual": ("math.less_equal", {}, {}),
    "LogicalAnd": ("math.logical_and", {}, {}), "LogicalOr": ("math.logical_or", {}, {}),
    "LogicalXor": ("math.logical_xor", {}, {}), "Matmul": ("linalg.matmul", {}, {}),
    "Where": ("where", {}, {}),
    # reductions
    "Sum": ("math.reduce_sum", _REDUCTION, {}), "Mean": ("math.reduce_mean", _REDUCTION, {}),
    "Max": ("math.reduce_max", _REDUCTION, {"initial": None}),
    "Min": ("math.reduce_min", _REDUCTION, {"initial": None}),
    "Prod": ("math.reduce_prod", _REDUCTION, {"dtype": None}),
    "Any": ("math.reduce_any", _REDUCTION, {}), "All": ("math.reduce_all", _REDUCTION, {}),
    "Var": ("math.reduce_variance", _REDUCTION, {}),
    "Std": ("math.reduce_std", _REDUCTION, {}),
    "Argmax": ("math.argmax", _same("axis"), {"keepdims": False}),
    "Argmin": ("math.argmin", _same("axis"), {"keepdims": False}),
    "Cumsum": ("math.cumsum", _same("axis"), {"dtype": None}),
    # shapes and layout
    "Reshape": ("reshape", {"newshape": "shape"}, {}),
    "Transpose": ("transpose", {"axes": "perm"}, {}),
    "ExpandDims": ("expand_dims", _same("axis"), {}),
    "Squeeze": ("squeeze", _same("axis"), {}),
    "Concatenate": ("concat", _same("axis"), {}), "Stack": ("stack", _same("axis"), {}),
    "Tile": ("tile", {"repeats": "multiples"}, {}),
    "Take": ("gather", _same("axis"), {}),
    "Cast": ("cast", _same("dtype"), {}),
    "Clip": ("clip_by_value", {"x_min": "clip_value_min", "x_max": "clip_value_max"}, {}),
    "OneHot": ("one_hot", {"num_classes": "depth", "axis": "axis", "dtype": "dtype"},
               {"sparse": False}),
}


# TF arguments that give a tf op the result Keras 3's operation has (Keras 3's argmax is int32).
_KERAS3_IMPLIED_KWARGS: dict[str, dict[str, Any]] = {
    "Argmax": {"output_type": "int32"}, "Argmin": {"output_type": "int32"}}

# Operations whose `axis=None` means something else in Keras 3 (flatten, or all axes) than in
# TF (the last or the first axis): the TF meaning of None, written out for Keras 3.
_AXIS_NONE_IN_TF = {"Softmax": -1, "LogSoftmax": -1, "Argmax": 0, "Argmin": 0, "Take": 0}

# ---------------------------------------------------------------- writing (Keras 3 dialect)

_KERAS3_MODULE_OF = {
    **{name: "keras.src.ops.nn" for name in (
        "Sigmoid", "Relu", "Relu6", "Softplus", "Softsign", "Silu", "Selu", "Elu", "LeakyRelu",
        "Gelu", "Softmax", "LogSoftmax", "OneHot")},
    "Cast": "keras.src.ops.core", "Rsqrt": "keras.src.ops.math", "Erf": "keras.src.ops.math",
}
_KERAS3_ARITY = {
    **{name: 2 for name in (
        "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "Mod", "Power",
        "Maximum", "Minimum", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less",
        "LessEqual", "LogicalAnd", "LogicalOr", "LogicalXor", "Matmul", "Take")},
    "Where": 3,
}
_KERAS3_CLASS_OF: dict[str, str] = {"__operators__.add": "Add", "math.truediv": "TrueDivide",
                                    "math.abs": "Absolute"}
for _class_name, (_path, _renames, _required) in KERAS3_OPERATIONS.items():
    _KERAS3_CLASS_OF.setdefault(_path, _class_name)


def _keras3_key(spec: Any) -> Any:
    """A tf_keras slice_spec in Keras 3's GetItem argument form."""
    from eagerflow.keras.layers.tf_op_layer import decode_slice_spec

    def encode(item: Any) -> Any:
        if item is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(item, slice):
            return {"class_name": "__slice__",
                    "config": {"start": item.start, "stop": item.stop, "step": item.step}}
        return item

    key = decode_slice_spec(spec)
    return [encode(item) for item in key] if isinstance(key, tuple) else encode(key)


def _has_keras_tensor(value: Any) -> bool:
    """Whether a symbolic tensor hides in `value` (Keras 3 keeps settings as constants)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if _is_keras_tensor(item):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _is_number_array(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return False
    return True


def _numpy_constants(args: list, class_name: str) -> list:
    """Constant arrays among a Keras 3 node's arguments in Keras 3's `__numpy__` form (a
    plain list there would be read as a list of tensors), in the symbolic argument's dtype
    (indices of Take stay integers)."""
    dtype = next((a["config"].get("dtype") for a in args if _is_keras_tensor(a)), None)
    result = []
    for arg in args:
        if isinstance(arg, list) and arg and _is_number_array(arg):
            integers = "." not in repr(arg)
            kind = "int32" if integers and (class_name == "Take" or dtype is None) else \
                dtype or "float32"
            arg = {"class_name": "__numpy__", "config": {"value": arg, "dtype": kind}}
        result.append(arg)
    return result


def op_layer_for_keras3(entry: dict) -> dict:
    """An eagerflow operator layer entry as the Keras 3 operation class Keras 3 writes for
    the same op (so Keras 3 can open the file); the entry itself when there is none."""
    from eagerflow.keras.saving import op_allowlist

    inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    path = inner.get("function")
    class_name = "GetItem" if path == "__operators__.getitem" else _KERAS3_CLASS_OF.get(path)
    nodes = entry.get("inbound_nodes")
    if class_name is None or not isinstance(nodes, list) or \
            not all(isinstance(n, dict) and len(n.get("args") or []) == 1 for n in nodes):
        return entry
    name = entry.get("name") or inner.get("name")
    if class_name == "GetItem":
        rewritten = [{"args": [n["args"][0], _keras3_key((n.get("kwargs") or {}).get(
            "slice_spec"))], "kwargs": {}} for n in nodes]
        config: dict = {"name": name}
    else:
        function = op_allowlist.resolve_op(path)
        parameters = [p for p in inspect.signature(function).parameters.values()
                      if p.name != "name"]
        _, renames, _ = KERAS3_OPERATIONS[class_name]
        to_keras3 = {tf_key: keras3_key for keras3_key, tf_key in renames.items()}
        arity = _KERAS3_ARITY.get(class_name, 1)
        rewritten, config = [], {"name": name}
        shared: dict | None = None  # one operation object: every call has the same settings
        for node in nodes:
            given = {parameters[0].name: node["args"][0],
                     **{k: v for k, v in (node.get("kwargs") or {}).items() if k != "name"}}
            for key, value in _KERAS3_IMPLIED_KWARGS.get(class_name, {}).items():
                if given.pop(key, None) != value:
                    return entry  # e.g. tf.math.argmax's int64 result: Keras 3 gives int32
            args, node_config = [], {}
            for index, parameter in enumerate(parameters):
                if parameter.name in to_keras3:
                    node_config[to_keras3[parameter.name]] = given.pop(
                        parameter.name, parameter.default)
                elif index < arity and parameter.name in given:
                    args.append(given.pop(parameter.name))
            if node_config.get("axis", 0) is None and class_name in _AXIS_NONE_IN_TF:
                node_config["axis"] = _AXIS_NONE_IN_TF[class_name]
            if len(args) != arity or given or _has_keras_tensor(node_config) or (
                    shared is not None and node_config != shared):
                return entry  # options Keras 3's operation does not have: keep TFOpLambda
            shared = node_config
            rewritten.append({"args": _numpy_constants(args, class_name), "kwargs": {}})
        config.update(shared or {})
    return {"module": _KERAS3_MODULE_OF.get(class_name, "keras.src.ops.numpy"),
            "class_name": class_name, "config": config, "registered_name": class_name,
            "name": name, "inbound_nodes": rewritten}


# ---------------------------------------------------------------- writing (tf_keras dialect)

def _is_keras_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _reference(value: dict) -> list:
    history = value.get("config", {}).get("keras_history")
    return list(history[:3])


def _references_in_kwargs(value: Any) -> Any:
    """Keras tensors inside node kwargs as tf_keras writes them: [layer, node, tensor]."""
    if _is_keras_tensor(value):
        return _reference(value)
    if isinstance(value, dict):
        return {key: _references_in_kwargs(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_references_in_kwargs(item) for item in value]
    return value


def op_node_for_tf_keras(node: Any, layer_name: str) -> Any:
    """One Keras 3 style node of an operator layer as tf_keras's node list."""
    if not isinstance(node, dict) or "args" not in node:
        return node
    args = list(node.get("args") or [])
    if len(args) != 1:
        # tf_keras records one positional argument (it drops the tensors of tf.einsum); keep
        # the complete Keras 3 style node, which eagerflow reads back.
        return node
    kwargs = _references_in_kwargs(dict(node.get("kwargs") or {}))
    first = args[0]
    # tf_keras writes a single input's node as the reference itself, not a list of them.
    if _is_keras_tensor(first):
        return _reference(first) + [kwargs]
    if isinstance(first, list) and first and all(_is_keras_tensor(item) for item in first):
        return [_reference(item) + [kwargs] for item in first]
    if isinstance(first, list) and any(_is_keras_tensor(item) for item in first):
        raise ValueError(f"Cannot write the operator layer {layer_name!r} in tf_keras's format: "
                         "its first argument mixes symbolic tensors and constants.")
    return [_CONSTANT, -1, first, kwargs]


# ---------------------------------------------------------------- reading (both dialects)

def _keras_tensor(name: str, node_index: int, tensor_index: int) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"keras_history": [name, node_index, tensor_index]}}


def _is_tf_keras_reference(value: Any, layer_names: set) -> bool:
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and value[0] in layer_names and isinstance(value[1], int)
            and not isinstance(value[1], bool) and isinstance(value[2], int)
            and not isinstance(value[2], bool))


def _tensors_in_kwargs(value: Any, layer_names: set) -> Any:
    if _is_tf_keras_reference(value, layer_names) and len(value) == 3:
        return _keras_tensor(*value)
    if isinstance(value, dict):
        return {key: _tensors_in_kwargs(item, layer_names) for key, item in value.items()}
    if isinstance(value, list):
        return [_tensors_in_kwargs(item, layer_names) for item in value]
    return value


def _tf_keras_node_as_keras3(node: Any, layer_names: set, layer_name: str) -> Any:
    if isinstance(node, dict):
        return node  # already Keras 3 style (eagerflow's own configs)
    if not isinstance(node, list) or not node:
        raise ValueError(f"Bad inbound node of operator layer {layer_name!r}: {node!r}")
    if isinstance(node[0], str):
        node = [node]  # a single input's node is the reference itself
    firsts, kwargs = [], {}
    for reference in node:
        if not isinstance(reference, list) or len(reference) not in (3, 4):
            raise ValueError(f"Bad inbound node entry of operator layer {layer_name!r}: "
                             f"{reference!r}")
        if reference[0] == _CONSTANT and reference[1] == -1:
            firsts.append(reference[2])
        elif _is_tf_keras_reference(reference, layer_names):
            firsts.append(_keras_tensor(*reference[:3]))
        else:
            raise ValueError(f"Operator layer {layer_name!r} refers to {reference[:3]!r}, which "
                             "is not a layer of this model.")
        if len(reference) == 4:
            if not isinstance(reference[3], dict):
                raise ValueError(f"Bad call arguments of operator layer {layer_name!r}: "
                                 f"{reference[3]!r}")
            kwargs = reference[3]
    first = firsts[0] if len(firsts) == 1 else firsts
    return {"args": [first], "kwargs": _tensors_in_kwargs(kwargs, layer_names)}


def _plain_constant(value: Any) -> Any:
    """Keras 3 `__numpy__`/`__tensor__` values inside node args as plain nested lists."""
    if isinstance(value, dict) and value.get("class_name") in ("__numpy__", "__tensor__"):
        inner = value.get("config")
        return inner.get("value") if isinstance(inner, dict) else None
    if isinstance(value, dict) and not _is_keras_tensor(value):
        return {key: _plain_constant(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_constant(item) for item in value]
    return value


def _keras3_operation_as_op_layer(entry: dict) -> dict:
    from eagerflow.keras.layers.tf_op_layer import decode_slice_spec, encode_slice_spec

    class_name = entry["class_name"]
    inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    name = entry.get("name") or inner.get("name")
    nodes = entry.get("inbound_nodes") or []
    if class_name == "GetItem":
        rewritten = []
        for node in nodes:
            args = list(node.get("args") or []) if isinstance(node, dict) else []
            if len(args) != 2:
                raise ValueError(f"Keras 3 GetItem {name!r} must have (tensor, key) arguments. "
                                 f"Received: {node!r}")
            spec = encode_slice_spec(decode_slice_spec(args[1]))
            rewritten.append({"args": [args[0]], "kwargs": {"slice_spec": spec}})
        return {"class_name": "SlicingOpLambda", "module": "keras.layers",
                "registered_name": None, "name": name, "inbound_nodes": rewritten,
                "config": {"name": name, "trainable": True, "dtype": "float32",
                           "function": "__operators__.getitem"}}
    if class_name not in KERAS3_OPERATIONS:
        raise TypeError(
            f"Could not deserialize the Keras 3 operation {class_name!r} (module "
            f"{entry.get('module')!r}): eagerflow loads the operations {sorted(KERAS3_OPERATIONS)}"
            " and GetItem. Replace it with a layer, or a registered custom layer.")
    path, renames, required = KERAS3_OPERATIONS[class_name]
    params = {}
    for key, value in inner.items():
        if key in ("name", "dtype") and key not in renames and key not in required:
            continue
        if key in required:
            if value != required[key]:
                raise ValueError(f"Keras 3 operation {class_name} {name!r} has {key}={value!r}; "
                                 f"eagerflow's tf.{path} supports only {key}="
                                 f"{required[key]!r}.")
            continue
        if key not in renames:
            raise ValueError(f"Keras 3 operation {class_name} {name!r} has the unknown setting "
                             f"{key!r}; eagerflow cannot map it to tf.{path}.")
        if key == "axis" and value is None and class_name in _AXIS_NONE_IN_TF:
            raise ValueError(f"Keras 3 operation {class_name} {name!r} has axis=None (over all "
                             f"axes), which tf.{path} does not support; eagerflow cannot load "
                             "it.")
        params[renames[key]] = value
    params.update(_KERAS3_IMPLIED_KWARGS.get(class_name, {}))
    rewritten = []
    for node in nodes:
        if not isinstance(node, dict):
            raise ValueError(f"Bad inbound node of Keras 3 operation {name!r}: {node!r}")
        args = _plain_constant(list(node.get("args") or []))
        kwargs = {**_plain_constant(dict(node.get("kwargs") or {})), **params}
        rewritten.append({"args": args, "kwargs": kwargs})
    return {"class_name": "TFOpLambda", "module": "keras.layers", "registered_name": None,
            "name": name, "inbound_nodes": rewritten,
            "config": {"name": name, "trainable": True, "dtype": "float32", "function": path}}


def _layer_names(layers: list) -> set:
    names = set()
    for entry in layers:
        if isinstance(entry, dict):
            inner = entry.get("config") if isinstance(entry.get("config"), dict) else {}
            for name in (entry.get("name"), inner.get("name")):
                if isinstance(name, str):
                    names.add(name)
    return names


def _normalize_layer_list(layers: list) -> None:
    names = _layer_names(layers)
    for index, entry in enumerate(layers):
        if not isinstance(entry, dict):
            continue
        class_name = entry.get("class_name")
        if entry.get("module") in _KERAS3_OP_MODULES:
            layers[index] = _keras3_operation_as_op_layer(entry)
        elif class_name in OP_LAYER_CLASSES and isinstance(entry.get("inbound_nodes"), list):
            label = entry.get("name") or class_name
            entry["inbound_nodes"] = [_tf_keras_node_as_keras3(node, names, label)
                                      for node in entry["inbound_nodes"]]


def _has_operation_layers(config: Any) -> bool:
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("class_name") in OP_LAYER_CLASSES or \
                    node.get("module") in _KERAS3_OP_MODULES:
                return True
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def with_op_layers_normalized(config: Any) -> Any:
    """A copy of a model config in which every operator layer (tf_keras or Keras 3 dialect) is
    an eagerflow TFOpLambda/SlicingOpLambda entry with Keras 3 style nodes; the config itself
    when it has none."""
    if not _has_operation_layers(config):
        return config
    config = copy.deepcopy(config)
    pending = [config]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("layers"), list):
                _normalize_layer_list(node["layers"])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return config
