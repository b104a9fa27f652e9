"""NumPy re-implementations of the documented optimizer updates, used as test oracles.

Each function takes the variable, its gradient, the 1-based step number t, the learning
rate and a per-variable state dict (filled on first use) and returns the new variable value.
"""

from __future__ import annotations

import numpy as np


def sgd(var, g, t, lr, state, momentum=0.0, nesterov=False):
    if momentum == 0:
        return var - lr * g
    m = state.get("m", np.zeros_like(var))
    m = momentum * m - lr * g
    state["m"] = m
    return var + (momentum * m - lr * g if nesterov else m)


def adam(var, g, t, lr, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    m = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    state["m"], state["v"] = m, v
    if amsgrad:
        v = state["v_hat"] = np.maximum(state.get("v_hat", 0.0), v)
    # "epsilon hat" form of Kingma & Ba (the formula before their section 2.1).
    lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return var - lr_t * m / (np.sqrt(v) + epsilon)


def adamw(var, g, t, lr, state, weight_decay=0.004, **kwargs):
    return adam(var - lr * weight_decay * var, g, t, lr, state, **kwargs)


def rmsprop(var, g, t, lr, state, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s = rho * state.get("s", 0.0) + (1 - rho) * g * g
    state["s"] = s
    if centered:
        mg = state["mg"] = rho * state.get("mg", 0.0) + (1 - rho) * g
        step = lr * g / np.sqrt(s - mg * mg + epsilon)
    else:
        step = lr * g / np.sqrt(s + epsilon)
    if momentum > 0:
        step = state["p"] = momentum * state.get("p", 0.0) + step
    return var - step


def adagrad(var, g, t, lr, state, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = state["acc"] = state.get("acc", initial_accumulator_value) + g * g
    return var - lr * g / np.sqrt(acc + epsilon)


def adadelta(var, g, t, lr, state, rho=0.95, epsilon=1e-7):
    eg = state["eg"] = rho * state.get("eg", 0.0) + (1 - rho) * g * g
    delta = -np.sqrt(state.get("edx", 0.0) + epsilon) / np.sqrt(eg + epsilon) * g
    state["edx"] = rho * state.get("edx", 0.0) + (1 - rho) * delta * delta
    return var + lr * delta


def adamax(var, g, t, lr, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    u = state["u"] = np.maximum(beta_2 * state.get("u", 0.0), np.abs(g))
    return var - lr / (1 - beta_1**t) * m / (u + epsilon)


def nadam(var, g, t, lr, state, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def mu(step):
        return beta_1 * (1 - 0.5 * 0.96**step)
    product = np.prod([mu(i) for i in range(1, t + 1)])
    m = state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
    v = state["v"] = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g * g
    m_hat = mu(t + 1) * m / (1 - product * mu(t + 1)) + (1 - mu(t)) * g / (1 - product)
    v_hat = v / (1 - beta_2**t)
    return var - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def ftrl(var, g, t, lr, state, learning_rate_power=-0.5, initial_accumulator_value=0.1,
         l1_regularization_strength=0.0, l2_regularization_strength=0.0,
         l2_shrinkage_regularization_strength=0.0, beta=0.0):
    p = -learning_rate_power
    n = state.get("n", np.full_like(var, initial_accumulator_value))
    z = state.get("z", np.zeros_like(var))
    n_new = n + g * g
    sigma = (n_new**p - n**p) / lr
    z = z + g + 2 * l2_shrinkage_regularization_strength * var - sigma * var
    l1 = l1_regularization_strength
    l2 = l2_regularization_strength + beta / (2 * lr)
    quadratic = n_new**p / lr + 2 * l2
    state["n"], state["z"] = n_new, z
    return (np.clip(z, -l1, l1) - z) / quadratic


def lion(var, g, t, lr, state, beta_1=0.9, beta_2=0.99):
    m = state.get("m", 0.0)
    new = var - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
    state["m"] = beta_2 * m + (1 - beta_2) * g
    return new


def run(update, variables, grad_steps, lr, **hyper):
    """Apply `update` to each variable for each list of gradients; returns the values."""
    values = [np.array(v, dtype=np.float64) for v in variables]
    states = [{} for _ in values]
    for t, grads in enumerate(grad_steps, start=1):
        values = [update(v, np.asarray(g, np.float64), t, lr, s, **hyper)
                  for v, g, s in zip(values, grads, states)]
    return values
