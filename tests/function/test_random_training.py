"""Random small training loops (layers, losses, optimizer updates with slot variables):
several compiled steps leave every variable exactly where the same eager steps do.

This stresses what a compiled step does around variables: reads after assigns, updates in
program order, buffers reused next to variable storage.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import eagerflow as tf

ACTIVATIONS = [tf.nn.relu, tf.tanh, tf.sigmoid, lambda x: x]


def make_model(sizes, activations, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers.append((tf.Variable(rng.standard_normal((n_in, n_out)).astype(np.float32) * 0.5),
                       tf.Variable(rng.standard_normal(n_out).astype(np.float32) * 0.1)))
    return layers


def step_function(layers, activations, optimizer, learning_rate):
    variables = [v for layer in layers for v in layer]
    slots = [tf.Variable(np.zeros(v.shape.as_list(), np.float32)) for v in variables]

    def step(x, y):
        with tf.GradientTape() as tape:
            h = x
            for (w, b), activation in zip(layers, activations):
                h = activation(tf.matmul(h, w) + b)
            loss = tf.reduce_mean(tf.square(h - y))
        grads = tape.gradient(loss, variables)
        for v, g, slot in zip(variables, grads, slots):
            if optimizer == "sgd":
                v.assign_sub(learning_rate * g)
            elif optimizer == "momentum":
                slot.assign(slot * 0.9 + g)
                v.assign_sub(learning_rate * slot)
            else:  # rmsprop-like: the slot is read right after it is written
                slot.assign(0.9 * slot + 0.1 * g * g)
                v.assign_sub(learning_rate * g / (tf.sqrt(slot) + 1e-3))
        return loss

    return step, variables + slots


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4),
       st.lists(st.integers(0, len(ACTIVATIONS) - 1), min_size=3, max_size=3),
       st.sampled_from(["sgd", "momentum", "rms"]), st.integers(0, 100))
def test_compiled_training_matches_eager(sizes, activation_ids, optimizer, seed):
    activations = [ACTIVATIONS[i] for i in activation_ids[:len(sizes) - 1]]
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((5, sizes[0])).astype(np.float32))
    y = tf.constant(rng.standard_normal((5, sizes[-1])).astype(np.float32))
    eager_step, eager_state = step_function(make_model(sizes, activations, seed), activations,
                                            optimizer, 0.05)
    graph_step, graph_state = step_function(make_model(sizes, activations, seed), activations,
                                            optimizer, 0.05)
    graph_step = tf.function(graph_step)
    for _ in range(3):
        eager_loss = eager_step(x, y)
        graph_loss = graph_step(x, y)
        np.testing.assert_allclose(graph_loss.numpy(), eager_loss.numpy(), rtol=1e-5)
    for a, b in zip(eager_state, graph_state):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
