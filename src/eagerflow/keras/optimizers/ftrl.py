"""FTRL-Proximal (McMahan et al.), with L1/L2 and shrinkage regularization."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["Ftrl"]


class Ftrl(Optimizer):
    """FTRL-Proximal: with `p = -learning_rate_power`, `n' = n + g**2`,
    `z += g + 2 * l2_shrinkage * var - (n'**p - n**p) / lr * var`, then
    `var = (clip(z, -l1, l1) - z) / (n'**p / lr + 2 * (l2 + beta / (2 * lr)))`.
    Other arguments: see `Optimizer`."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        checks = {
            "initial_accumulator_value": (initial_accumulator_value, "positive or zero", 1),
            "learning_rate_power": (learning_rate_power, "negative or zero", -1),
            "l1_regularization_strength": (l1_regularization_strength, "positive or zero", 1),
            "l2_regularization_strength": (l2_regularization_strength, "positive or zero", 1),
            "l2_shrinkage_regularization_strength": (
                l2_shrinkage_regularization_strength, "positive or zero", 1),
        }
        for what, (value, text, sign) in checks.items():
            number = hyperparameter(value, what)
            if number * sign < 0:
                raise ValueError(f"`{what}` needs to be {text}. Received: {what}={value}.")
            setattr(self, what, number)
        self.beta = hyperparameter(beta, "beta")

    def _slot_groups(self):
        return [(("accumulator", self.initial_accumulator_value), ("linear", 0.0))]

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        accumulator, linear = slots["accumulator"], slots["linear"]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength
        if self.beta:
            l2 = l2 + self.beta / (2.0 * learning_rate)
        l1 = self.l1_regularization_strength
        gradient_shrunk = gradient
        if self.l2_shrinkage_regularization_strength:
            gradient_shrunk = gradient + 2.0 * self.l2_shrinkage_regularization_strength * \
                variable
        new_accumulator = accumulator + tf.square(gradient)
        accumulator_power = tf.pow(accumulator, power)
        new_accumulator_power = tf.pow(new_accumulator, power)
        linear.assign_add(gradient_shrunk - (new_accumulator_power - accumulator_power) /
                          learning_rate * variable)
        quadratic = new_accumulator_power / learning_rate + 2.0 * l2
        variable.assign((tf.clip_by_value(linear, -l1, l1) - linear) / quadratic)
        accumulator.assign(new_accumulator)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta})
        return config
