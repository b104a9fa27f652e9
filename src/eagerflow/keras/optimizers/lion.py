"""Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms"): sign updates."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["Lion"]


class Lion(Optimizer):
    """Lion: `var -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`. Other arguments: see `Optimizer`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name: str | None = None,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = hyperparameter(beta_1, "beta_1")
        self.beta_2 = hyperparameter(beta_2, "beta_2")
        if not 0.0 < self.beta_1 <= 1.0:
            raise ValueError("Argument for `beta_1` must be in the interval (0, 1]. "
                             f"Received: beta_1={beta_1}")

    def _slot_groups(self):
        return [(("momentum", 0.0),)]

    def update_step(self, gradient, variable, learning_rate) -> None:
        m = self._slots_of(variable)["momentum"]
        beta_1, beta_2 = self.beta_1, self.beta_2
        variable.assign_sub(learning_rate * tf.sign(m * beta_1 + gradient * (1.0 - beta_1)))
        m.assign(m * beta_2 + gradient * (1.0 - beta_2))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
