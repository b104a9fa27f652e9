"""Each optimizer's updates over 3 steps against a NumPy version of its documented formula,
eagerly and inside tf.function, plus a few hand-computed values."""

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import optimizers
from tests.keras.optimizers import reference

RNG = np.random.RandomState(7)
VARIABLES = [RNG.randn(3, 2), RNG.randn(4)]
GRAD_STEPS = [[RNG.randn(3, 2), RNG.randn(4)] for _ in range(3)]

# (optimizer class name, constructor arguments, NumPy update, its hyperparameters)
CASES = [
    ("SGD", {}, reference.sgd, {}),
    ("SGD", {"momentum": 0.9}, reference.sgd, {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}, reference.sgd,
     {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}, reference.adam, {}),
    ("Adam", {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-3}, reference.adam,
     {"beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-3}),
    ("Adam", {"amsgrad": True}, reference.adam, {"amsgrad": True}),
    ("AdamW", {"weight_decay": 0.1}, reference.adamw, {"weight_decay": 0.1}),
    ("RMSprop", {}, reference.rmsprop, {}),
    ("RMSprop", {"momentum": 0.5}, reference.rmsprop, {"momentum": 0.5}),
    ("RMSprop", {"centered": True, "rho": 0.8}, reference.rmsprop,
     {"centered": True, "rho": 0.8}),
    ("Adagrad", {}, reference.adagrad, {}),
    ("Adagrad", {"initial_accumulator_value": 0.5}, reference.adagrad,
     {"initial_accumulator_value": 0.5}),
    ("Adadelta", {}, reference.adadelta, {}),
    ("Adamax", {}, reference.adamax, {}),
    ("Nadam", {}, reference.nadam, {}),
    ("Ftrl", {}, reference.ftrl, {}),
    ("Ftrl", {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.5,
              "learning_rate_power": -0.7},
     reference.ftrl, {"l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
                      "l2_shrinkage_regularization_strength": 0.03, "beta": 0.5,
                      "learning_rate_power": -0.7}),
    ("Lion", {}, reference.lion, {}),
]
IDS = [f"{name}-{'-'.join(map(str, kwargs)) or 'default'}" for name, kwargs, _, _ in CASES]


def _run(optimizer, dtype, compiled: bool):
    variables = [tf.Variable(v, dtype=dtype) for v in VARIABLES]

    def step(grads):
        return optimizer.apply_gradients(zip(grads, variables))

    if compiled:
        step = tf.function(step)
    for grads in GRAD_STEPS:
        step([tf.constant(g, dtype=dtype) for g in grads])
    return [v.numpy() for v in variables]


# (dtype, tolerance against the float64 formula, tolerance of compiled against eager);
# in float64 the learning rate is still a float32 variable: 0.1 is off by ~1.5e-9 relative.
PRECISIONS = [(tf.float64, (1e-7, 1e-8), (1e-12, 1e-13)),
              (tf.float32, (2e-5, 2e-5), (1e-6, 1e-6))]


@pytest.mark.parametrize("dtype, formula_tol, compiled_tol", PRECISIONS,
                         ids=["float64", "float32"])
@pytest.mark.parametrize("name, kwargs, update, hyper", CASES, ids=IDS)
def test_three_steps_match_the_formula_eager_and_compiled(name, kwargs, update, hyper, dtype,
                                                          formula_tol, compiled_tol):
    expected = reference.run(update, VARIABLES, GRAD_STEPS, lr=0.1, **hyper)
    eager = _run(getattr(optimizers, name)(learning_rate=0.1, **kwargs), dtype, False)
    compiled = _run(getattr(optimizers, name)(learning_rate=0.1, **kwargs), dtype, True)
    for got_eager, got_compiled, want in zip(eager, compiled, expected):
        assert got_eager.dtype == dtype.as_numpy_dtype
        np.testing.assert_allclose(got_eager, want, rtol=formula_tol[0], atol=formula_tol[1])
        np.testing.assert_allclose(got_compiled, got_eager, rtol=compiled_tol[0],
                                   atol=compiled_tol[1])


def test_sgd_documented_example():
    # Keras's docstring: loss = var**2 / 2, lr 0.1, var 1.0 -> 0.9; with momentum 0.9 the
    # second step gives 0.9 - (0.9 * 0.1 + 0.1 * 0.9) = 0.72 ... here computed by hand.
    var = tf.Variable(1.0)
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.minimize(lambda: var**2 / 2.0, [var])
    assert var.numpy() == pytest.approx(0.9)

    var = tf.Variable(1.0)
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    optimizer.minimize(lambda: var**2 / 2.0, [var])   # m = -0.1, var = 0.9
    optimizer.minimize(lambda: var**2 / 2.0, [var])   # m = -0.09 - 0.09 = -0.18, var = 0.72
    assert var.numpy() == pytest.approx(0.72)


def test_adam_first_step_moves_each_coordinate_by_the_learning_rate():
    # After one step m = (1 - b1) g, v = (1 - b2) g^2 and the bias corrections cancel them:
    # the update is lr * g / (|g| + eps'), i.e. lr * sign(g) up to epsilon.
    var = tf.Variable([1.0, 2.0, -3.0], dtype=tf.float64)
    optimizers.Adam(learning_rate=0.01, epsilon=0.0).apply_gradients(
        [(tf.constant([5.0, -0.25, 1e-3], tf.float64), var)])
    np.testing.assert_allclose(var.numpy(), [0.99, 2.01, -3.01], rtol=1e-6)


def test_adagrad_closed_form_two_steps():
    var = tf.Variable([1.0], dtype=tf.float64)
    optimizer = optimizers.Adagrad(learning_rate=1.0, initial_accumulator_value=0.0,
                                   epsilon=0.0)
    optimizer.apply_gradients([(tf.constant([3.0], tf.float64), var)])   # 1 - 3/3
    optimizer.apply_gradients([(tf.constant([4.0], tf.float64), var)])   # 0 - 4/5
    np.testing.assert_allclose(var.numpy(), [-0.8])


def test_lion_moves_by_exactly_the_learning_rate():
    var = tf.Variable([0.0, 0.0, 0.0])
    optimizers.Lion(learning_rate=0.5).apply_gradients(
        [(tf.constant([3.0, -1e-6, 0.0]), var)])
    np.testing.assert_array_equal(var.numpy(), [-0.5, 0.5, 0.0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adamax", "Nadam",
                                  "Ftrl", "Lion", "AdamW", "Adadelta"])
def test_minimizes_a_quadratic_in_a_compiled_loop(name):
    target = np.array([1.0, -2.0, 0.5], np.float32)
    var = tf.Variable(np.zeros(3, np.float32))
    lr = {"Adadelta": 10.0, "Ftrl": 1.0, "SGD": 0.1, "Adagrad": 0.5}.get(name, 0.05)
    optimizer = getattr(optimizers, name)(learning_rate=lr)
    if name == "AdamW":
        optimizer = optimizers.AdamW(learning_rate=lr, weight_decay=0.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(var - target))
        optimizer.apply_gradients(zip(tape.gradient(loss, [var]), [var]))
        return loss

    first = float(step())
    for _ in range(300):
        last = float(step())
    assert last < 0.05 * first
    assert int(optimizer.iterations.numpy()) == 301
