"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent: `v -= learning_rate * g`; with momentum
    `m = momentum * m - learning_rate * g` then `v += m` (Nesterov:
    `v += momentum * m - learning_rate * g`). Other arguments: see `Optimizer`.

    >>> opt = SGD(learning_rate=0.1)
    >>> var = tf.Variable(1.0)
    >>> _ = opt.minimize(lambda: (var ** 2) / 2.0, [var])   # gradient 1.0
    >>> round(float(var), 4)
    0.9
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov: bool = False,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        momentum = hyperparameter(momentum, "momentum")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"`momentum` must be a float between [0, 1]. "
                             f"Received: momentum={momentum}")
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def _slot_groups(self):
        return [(("momentum", 0.0),)] if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate) -> None:
        step = gradient * learning_rate
        if self.momentum == 0:
            variable.assign_sub(step)
            return
        m = self._slots_of(variable)["momentum"]
        m.assign(m * self.momentum - step)
        if self.nesterov:
            variable.assign_add(m * self.momentum - step)
        else:
            variable.assign_add(m)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
