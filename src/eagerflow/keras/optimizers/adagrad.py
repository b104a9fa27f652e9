"""Adagrad and Adadelta: per-coordinate rates from accumulated squared gradients."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    """Adagrad: `acc += g**2`, `var -= lr * g / sqrt(acc + epsilon)`; the accumulator starts
    at `initial_accumulator_value`. Other arguments: see `Optimizer`."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = hyperparameter(initial_accumulator_value,
                                                 "initial_accumulator_value")
        if self.initial_accumulator_value < 0:
            raise ValueError("`initial_accumulator_value` must be non-negative. Received: "
                             f"initial_accumulator_value={initial_accumulator_value}")
        self.epsilon = hyperparameter(epsilon, "epsilon")

    def _slot_groups(self):
        return [(("accumulator", self.initial_accumulator_value),)]

    def update_step(self, gradient, variable, learning_rate) -> None:
        accumulator = self._slots_of(variable)["accumulator"]
        accumulator.assign_add(tf.square(gradient))
        variable.assign_sub(learning_rate * gradient / tf.sqrt(accumulator + self.epsilon))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Adadelta (Zeiler): `Eg = rho * Eg + (1 - rho) * g**2`,
    `delta = -sqrt(Edx + eps) / sqrt(Eg + eps) * g`, `Edx = rho * Edx + (1 - rho) * delta**2`,
    `var += lr * delta`. Other arguments: see `Optimizer`."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name: str | None = None,
                 **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = hyperparameter(rho, "rho")
        self.epsilon = hyperparameter(epsilon, "epsilon")

    def _slot_groups(self):
        return [(("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0))]

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        grad_average = slots["accumulated_grad"]
        delta_average = slots["accumulated_delta_var"]
        rho, epsilon = self.rho, self.epsilon
        grad_average.assign(rho * grad_average + (1.0 - rho) * tf.square(gradient))
        delta = -tf.sqrt(delta_average + epsilon) / tf.sqrt(grad_average + epsilon) * gradient
        delta_average.assign(rho * delta_average + (1.0 - rho) * tf.square(delta))
        variable.assign_add(learning_rate * delta)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
