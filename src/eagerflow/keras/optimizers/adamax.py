"""Adamax and Nadam: Adam variants (infinity norm; Nesterov momentum)."""

from __future__ import annotations

import eagerflow as tf
from eagerflow.keras.optimizers._helpers import hyperparameter
from eagerflow.keras.optimizers.optimizer import Optimizer

__all__ = ["Adamax", "Nadam"]


class _AdamFamily(Optimizer):
    """Shared arguments of Adamax and Nadam."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name: str | None = None, **kwargs) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = hyperparameter(beta_1, "beta_1")
        self.beta_2 = hyperparameter(beta_2, "beta_2")
        self.epsilon = hyperparameter(epsilon, "epsilon")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Adamax(_AdamFamily):
    """Adamax (Adam with the infinity norm): `m += (g - m) * (1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`, `var -= lr * m / ((1 - beta_1**t) * (u + epsilon))`.
    Other arguments: see `Optimizer`."""

    def _slot_groups(self):
        return [(("momentum", 0.0), ("norm", 0.0))]

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        m, u = slots["momentum"], slots["norm"]
        dtype = variable.dtype
        step_size = self._step_value("adamax_step_size", dtype, lambda: learning_rate / (
            1.0 - tf.pow(tf.constant(self.beta_1, dtype), self._local_step(dtype))))
        m.assign_add((gradient - m) * (1.0 - self.beta_1))
        u.assign(tf.maximum(self.beta_2 * u, tf.abs(gradient)))
        variable.assign_sub(step_size * m / (u + self.epsilon))


class Nadam(_AdamFamily):
    """Nadam (Adam with Nesterov momentum, Dozat): with momentum schedule
    `mu_t = beta_1 * (1 - 0.5 * 0.96**t)` and `P_t = mu_1 * ... * mu_t`,
    `m_hat = mu_{t+1} * m / (1 - P_{t+1}) + (1 - mu_t) * g / (1 - P_t)`,
    `var -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)`.
    Other arguments: see `Optimizer`."""

    def _slot_groups(self):
        return [(("momentum", 0.0), ("velocity", 0.0))]

    def _build_extra(self, new_variables: list, first: bool) -> None:
        if first:
            # The running product P_t of the momentum schedule, shared by all variables.
            self._u_product = self.add_variable((), "ones", new_variables[0].dtype,
                                                name="u_product")

    def _update_all(self, grads: list, variables: list) -> None:
        product = self._u_product
        t = self._local_step(product.dtype)
        product.assign(product * (self.beta_1 * (1.0 - 0.5 * tf.pow(
            tf.constant(0.96, product.dtype), t))))
        super()._update_all(grads, variables)

    def _coefficients(self, dtype):
        """(mu_t, mu_{t+1}, P_t, P_{t+1}, 1 - beta_2**t) for this step."""
        def compute():
            t = self._local_step(dtype)
            decay = tf.constant(0.96, dtype)
            mu_t = self.beta_1 * (1.0 - 0.5 * tf.pow(decay, t))
            mu_next = self.beta_1 * (1.0 - 0.5 * tf.pow(decay, t + 1.0))
            product = tf.cast(self._u_product, dtype)
            correction_2 = 1.0 - tf.pow(tf.constant(self.beta_2, dtype), t)
            return mu_t, mu_next, product, product * mu_next, correction_2
        return self._step_value("nadam", dtype, compute)

    def update_step(self, gradient, variable, learning_rate) -> None:
        slots = self._slots_of(variable)
        m, v = slots["momentum"], slots["velocity"]
        mu_t, mu_next, product, product_next, correction_2 = self._coefficients(variable.dtype)
        m.assign_add((gradient - m) * (1.0 - self.beta_1))
        v.assign_add((tf.square(gradient) - v) * (1.0 - self.beta_2))
        m_hat = mu_next * m / (1.0 - product_next) + (1.0 - mu_t) * gradient / (1.0 - product)
        v_hat = v / correction_2
        variable.assign_sub(learning_rate * m_hat / (tf.sqrt(v_hat) + self.epsilon))
