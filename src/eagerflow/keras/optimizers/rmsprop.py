"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: `s = rho * s + (1 - rho) * g**2`, `step = lr * g / sqrt(s + epsilon)`
    (centered: `sqrt(s - mean_g**2 + epsilon)` with `mean_g` the running mean of g);
    with momentum `p = momentum * p + step` and `var -= p`, else `var -= step`.
    Other arguments: see `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered: bool = False, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = hyperparameter(rho, "rho")
        self.momentum = hyperparameter(momentum, "momentum")
        self.epsilon = hyperparameter(epsilon, "epsilon")
        self.centered = bool(centered)

    def _slot_groups(self):
        groups = [(("velocity", 0.0),)]
        if self.momentum > 0:
            groups.append((("momentum", 0.0),))
        if self.centered:
            groups.append((("average_gradient", 0.0),))
        return groups

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        rho = self.rho
        velocity = slots["velocity"]
        velocity.assign(rho * velocity + (1.0 - rho) * tf.square(gradient))
        if self.centered:
            average = slots["average_gradient"]
            average.assign(rho * average + (1.0 - rho) * gradient)
            denominator = velocity - tf.square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = learning_rate * gradient / tf.sqrt(denominator)
        if self.momentum > 0:
            momentum = slots["momentum"]
            momentum.assign(self.momentum * momentum + increment)
            variable.assign_sub(momentum)
        else:
            variable.assign_sub(increment)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
