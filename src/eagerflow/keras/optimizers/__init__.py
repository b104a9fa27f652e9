"""`tf.keras.optimizers`: the optimizers, learning-rate schedules, and get/serialize/deserialize.

`legacy` and `experimental` name the same classes, for code written against older Keras.
"""

from __future__ import annotations

from typing import Any

from eagerflow.keras.optimizers import schedules
from eagerflow.keras.optimizers.adagrad import Adadelta, Adagrad
from eagerflow.keras.optimizers.adam import Adam, AdamW
from eagerflow.keras.optimizers.adamax import Adamax, Nadam
from eagerflow.keras.optimizers.ftrl import Ftrl
from eagerflow.keras.optimizers.lion import Lion
from eagerflow.keras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from eagerflow.keras.optimizers.optimizer import Optimizer
from eagerflow.keras.optimizers.rmsprop import RMSprop
from eagerflow.keras.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Ftrl", "Lion", "LossScaleOptimizer", "schedules", "legacy", "experimental",
           "get", "serialize", "deserialize"]

_BUILTINS: dict[str, type] = {cls.__name__: cls for cls in (
    SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion)}
# Keras also accepts the lower-case names ("adam", "rmsprop", ...).
_BY_NAME: dict[str, type] = {**_BUILTINS, **{k.lower(): v for k, v in _BUILTINS.items()}}


def serialize(optimizer: Optimizer, use_legacy_format: bool = False) -> dict:
    """The Keras config dict of an optimizer: {"module": "keras.optimizers", "class_name",
    "config", "registered_name"} (`use_legacy_format=True`: only "class_name" and "config")."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Could not serialize {optimizer!r}: it is not a "
                         "tf.keras.optimizers.Optimizer.")
    if use_legacy_format:
        return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
    from eagerflow.keras.saving.serialization import serialize_keras_object

    return serialize_keras_object(optimizer)


def deserialize(config: dict, custom_objects: dict | None = None,
                use_legacy_format: bool = False, **kwargs) -> Optimizer:
    """Rebuild an optimizer from `serialize()` output (Keras 3 or Keras 2 layout; tf_keras's
    "Custom>Adam" class names too)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer identifier: {config}")
    config = dict(config)
    config.setdefault("config", {})
    if config.get("module") is None and config.get("registered_name") is None:
        config["module"] = "keras.optimizers"
    name = config["class_name"]
    if isinstance(name, str) and name.startswith("Custom>") and name[7:] in _BUILTINS:
        config["class_name"] = name[7:]
    from eagerflow.keras.saving.serialization import deserialize_keras_object

    optimizer = deserialize_keras_object(config, custom_objects=custom_objects,
                                         module_objects=_BY_NAME)
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Could not interpret optimizer identifier: {config}")
    return optimizer


def get(identifier: Any, **kwargs) -> Optimizer:
    """An optimizer from a name ("adam"), a config dict, or an Optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            from eagerflow.keras.saving.object_registration import get_registered_object

            cls = get_registered_object(identifier)
        if isinstance(cls, type) and issubclass(cls, Optimizer):
            return cls()
        raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
    if isinstance(identifier, dict):
        try:
            return deserialize(identifier)
        except TypeError as error:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier} "
                             f"({error})") from None
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


from eagerflow.keras.optimizers import experimental, legacy  # noqa: E402  (they import the above)
