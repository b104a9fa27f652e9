"""Adam and AdamW: moment estimates with bias correction (AdamW adds decoupled weight decay)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba): with t the step number,
    `m += (g - m) * (1 - beta_1)`, `v += (g**2 - v) * (1 - beta_2)`,
    `var -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`;
    `amsgrad=True` uses the running maximum of v. Other arguments: see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad: bool = False, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = hyperparameter(beta_1, "beta_1")
        self.beta_2 = hyperparameter(beta_2, "beta_2")
        self.epsilon = hyperparameter(epsilon, "epsilon")
        self.amsgrad = bool(amsgrad)

    def _slot_groups(self):
        groups = [(("momentum", 0.0), ("velocity", 0.0))]
        if self.amsgrad:
            groups.append((("velocity_hat", 0.0),))
        return groups

    def _step_size(self, dtype, learning_rate):
        """lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), once per step and dtype."""
        def compute():
            t = self._local_step(dtype)
            beta_1_power = tf.pow(tf.constant(self.beta_1, dtype), t)
            beta_2_power = tf.pow(tf.constant(self.beta_2, dtype), t)
            return learning_rate * tf.sqrt(1.0 - beta_2_power) / (1.0 - beta_1_power)
        return self._step_value("adam_step_size", dtype, compute)

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        m, v = slots["momentum"], slots["velocity"]
        alpha = self._step_size(variable.dtype, learning_rate)
        m.assign_add((gradient - m) * (1.0 - self.beta_1))
        v.assign_add((tf.square(gradient) - v) * (1.0 - self.beta_2))
        if self.amsgrad:
            v_hat = slots["velocity_hat"]
            v_hat.assign(tf.maximum(v_hat, v))
            v = v_hat
        variable.assign_sub(m * alpha / (tf.sqrt(v) + self.epsilon))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): each step first does
    `var -= var * weight_decay * learning_rate`, then the Adam update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad: bool = False, name: str | None = None,
                 **kwargs) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name, weight_decay=weight_decay,
                         **kwargs)
