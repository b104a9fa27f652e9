"""LossScaleOptimizer: dynamic loss scaling for float16 training, around another optimizer.

The loss is multiplied by a scale so that small float16 gradients do not underflow; gradients
are divided by it again before the update. A step whose gradients are not all finite is
skipped and halves the scale; `dynamic_growth_steps` finite steps in a row double it.
Both calling styles work: Keras 3 (`scale_loss`, then `apply_gradients` with the scaled
gradients) and tf_keras (`get_scaled_loss`, `get_unscaled_gradients`, `apply_gradients`).
"""

from __future__ import annotations

import eagerflow as tf
from eagerflow.graph.builder import init_scope
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["LossScaleOptimizer"]


class _LossScaleState:
    """The checkpoint node of the scale (tf_keras's names: current_loss_scale, good_steps)."""

    def __init__(self, scale: tf.Variable, counter: tf.Variable) -> None:
        self.scale = scale
        self.counter = counter

    def _trackable_children(self, *args, **kwargs) -> dict:
        return {"current_loss_scale": self.scale, "good_steps": self.counter}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around `inner_optimizer`.

    Args:
        inner_optimizer: the optimizer that updates the variables.
        initial_scale: the starting scale (2**15).
        dynamic_growth_steps: finite steps in a row after which the scale doubles (2000).
        dynamic: False keeps the scale fixed at `initial_scale` and never skips a step.
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale=2.0**15,
                 dynamic_growth_steps: int = 2000, name: str | None = None,
                 dynamic: bool = True, **kwargs) -> None:
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be a "
                            f"tf.keras.optimizers.Optimizer. Received: {inner_optimizer!r}")
        if isinstance(inner_optimizer, LossScaleOptimizer) or getattr(
                inner_optimizer, "_wrapped_by_loss_scale_optimizer", False):
            raise ValueError('"inner_optimizer" is already wrapped by a LossScaleOptimizer. An '
                             "optimizer can only be wrapped by a single LossScaleOptimizer")
        kwargs.pop("learning_rate", None)
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self.inner_optimizer = inner_optimizer
        inner_optimizer._wrapped_by_loss_scale_optimizer = True
        self.initial_scale = hyperparameter(initial_scale, "initial_scale")
        if not self.initial_scale > 0:
            raise ValueError(f"`initial_scale` must be > 0. Received: "
                             f"initial_scale={initial_scale}")
        if isinstance(dynamic_growth_steps, bool) or not isinstance(dynamic_growth_steps, int) \
                or dynamic_growth_steps < 1:
            raise ValueError("`dynamic_growth_steps` must be an integer >= 1. Received: "
                             f"dynamic_growth_steps={dynamic_growth_steps}")
        self.dynamic_growth_steps = dynamic_growth_steps
        self.dynamic = bool(dynamic)
        self._gradients_unscaled = False
        with init_scope():
            self.step_counter = self.add_variable((), "zeros", tf.int64, name="step_counter")
            self.dynamic_scale = self.add_variable((), self.initial_scale, tf.float32,
                                                   name="dynamic_scale")

    # --- the inner optimizer's state -----------------------------------------------------
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def variables(self) -> list:
        return type(self.inner_optimizer.variables)(
            [*super().variables, *self.inner_optimizer.variables])

    def _trackable_children(self, *args, **kwargs) -> dict:
        """tf_keras's layout: the inner optimizer's children plus the `loss_scale` node."""
        children = dict(self.inner_optimizer._trackable_children())
        children["loss_scale"] = _LossScaleState(self.dynamic_scale, self.step_counter)
        return children

    def build(self, var_list) -> None:
        self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def loss_scale(self) -> tf.Variable:
        """The current scale (a float32 variable)."""
        return self.dynamic_scale

    @property
    def dynamic_counter(self) -> tf.Variable:
        """Finite steps since the scale last changed."""
        return self.step_counter

    # --- scaling -------------------------------------------------------------------------
    def scale_loss(self, loss):
        """The loss times the current scale."""
        return loss * tf.cast(self.dynamic_scale, loss.dtype)

    get_scaled_loss = scale_loss

    def get_unscaled_gradients(self, grads) -> list:
        """The gradients divided by the current scale (None entries stay None); the next
        `apply_gradients` then takes its gradients as already unscaled (tf_keras style)."""
        self._gradients_unscaled = True
        return [None if g is None else g / tf.cast(self.dynamic_scale, g.dtype) for g in grads]

    def compute_gradients(self, loss, var_list, tape=None) -> list:
        """(unscaled gradient, variable) pairs of the scaled loss."""
        tape = tf.GradientTape() if tape is None else tape
        if callable(loss):
            unscaled_loss = loss
            loss = lambda: self.scale_loss(unscaled_loss())  # noqa: E731
        else:
            with tape:
                loss = self.scale_loss(loss)
        pairs = self.inner_optimizer.compute_gradients(loss, var_list, tape)
        grads = self.get_unscaled_gradients([g for g, _ in pairs])
        return list(zip(grads, [v for _, v in pairs]))

    # --- applying ------------------------------------------------------------------------
    def apply(self, grads, trainable_variables=None):
        """Unscale (unless `get_unscaled_gradients` was used), then apply the gradients if all
        are finite and adjust the scale; a non-finite step is skipped but still counted."""
        grads = list(grads)
        if not self._gradients_unscaled:
            grads = [None if g is None else
                     tf.convert_to_tensor(g) / tf.cast(self.dynamic_scale,
                                                       tf.convert_to_tensor(g).dtype)
                     for g in grads]
        self._gradients_unscaled = False
        present = [g for g in grads if g is not None]
        if not self.dynamic or not present:
            return self.inner_optimizer.apply(grads, trainable_variables)
        inner = self.inner_optimizer
        finite = tf.reduce_all(tf.stack([tf.reduce_all(tf.math.is_finite(g)) for g in present]))

        def apply_and_grow() -> None:
            inner.apply(grads, trainable_variables)
            grow = tf.equal(self.step_counter, self.dynamic_growth_steps - 1)
            self.dynamic_scale.assign(tf.where(grow, self.dynamic_scale * 2.0,
                                               self.dynamic_scale.read_value()))
            self.step_counter.assign(tf.where(grow, tf.zeros([], tf.int64),
                                              self.step_counter + 1))

        def skip_and_shrink() -> None:
            self.step_counter.assign(tf.zeros([], tf.int64))
            self.dynamic_scale.assign(self.dynamic_scale * 0.5)
            inner._iterations.assign_add(1)

        # Slots are made before the branches, so neither branch creates variables.
        if trainable_variables is not None:
            with init_scope():
                inner._ensure_built(list(trainable_variables))
        tf.cond(finite, apply_and_grow, skip_and_shrink)
        return inner._iterations

    def finalize_variable_values(self, var_list) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # --- saving --------------------------------------------------------------------------
    def get_config(self) -> dict:
        from eagerflow.keras.optimizers import serialize

        config = {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                  "initial_scale": self.initial_scale,
                  "dynamic_growth_steps": self.dynamic_growth_steps}
        if not self.dynamic:
            config["dynamic"] = False
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> LossScaleOptimizer:
        from eagerflow.keras.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
