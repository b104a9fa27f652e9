"""NumPy reference implementations of the recurrent cells and the masked time loop, written
from the published equations, to check the layers against."""

from __future__ import annotations

import numpy as np
import pytest


def randomize(layer, scale=0.5):
    """Give every weight of `layer` normal(0, scale) values; returns them (NumPy arrays)."""
    values = [np.random.randn(*w.shape).astype(w.dtype.as_numpy_dtype) * scale
              for w in layer.weights]
    layer.set_weights(values)
    return values


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, states, kernel, recurrent_kernel, bias=None, activation=np.tanh):
    z = x @ kernel + states[0] @ recurrent_kernel
    if bias is not None:
        z = z + bias
    h = activation(z)
    return h, [h]


def lstm_step(x, states, kernel, recurrent_kernel, bias=None):
    h, c = states
    z = x @ kernel + h @ recurrent_kernel
    if bias is not None:
        z = z + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, kernel, recurrent_kernel, bias=None, reset_after=True):
    h = states[0]
    units = h.shape[-1]
    if reset_after:
        b_in, b_rec = (bias[0], bias[1]) if bias is not None else (0.0, 0.0)
        xz, xr, xh = np.split(x @ kernel + b_in, 3, axis=-1)
        rz, rr, rh = np.split(h @ recurrent_kernel + b_rec, 3, axis=-1)
        z = sigmoid(xz + rz)
        r = sigmoid(xr + rr)
        candidate = np.tanh(xh + r * rh)
    else:
        b = bias if bias is not None else 0.0
        xz, xr, xh = np.split(x @ kernel + b, 3, axis=-1)
        z = sigmoid(xz + h @ recurrent_kernel[:, :units])
        r = sigmoid(xr + h @ recurrent_kernel[:, units:2 * units])
        candidate = np.tanh(xh + (r * h) @ recurrent_kernel[:, 2 * units:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def run(step, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Batch-major `x` [B, T, F]; returns (last_output, outputs [B, T, U], final_states)."""
    steps = list(range(x.shape[1]))
    if go_backwards:
        steps = steps[::-1]
    outputs, previous = [], None
    for t in steps:
        out, new = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            if previous is None or zero_output_for_mask:
                previous = np.zeros_like(out)
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
            out = np.where(keep, out, previous)
        states, previous = new, out
        outputs.append(out)
    return previous, np.stack(outputs, axis=1), states


@pytest.fixture(params=["while_loop", "unrolled"])
def traced_loop(request, monkeypatch):
    """Run a test's traced calls with the tf.while_loop time loop and with the unrolled one."""
    from eagerflow.keras.layers import recurrent_loop

    limit = 0 if request.param == "while_loop" else 10**6
    monkeypatch.setattr(recurrent_loop, "AUTO_UNROLL_MAX_STEPS", limit)
    return request.param
