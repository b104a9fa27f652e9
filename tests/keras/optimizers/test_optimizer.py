"""The Optimizer base: clipping, weight decay, EMA, learning rate, iterations, missing
gradients, errors, variables and their order, custom subclasses, state get/set."""

import logging

import numpy as np
import pytest

import eagerflow as tf
from eagerflow.keras import backend, optimizers


def _both_ways(make_optimizer, values, grad_steps, dtype=tf.float64):
    """Run the same steps eagerly and compiled; returns (eager values, compiled values)."""
    results = []
    for compiled in (False, True):
        optimizer = make_optimizer()
        variables = [tf.Variable(v, dtype=dtype) for v in values]

        def step(grads, optimizer=optimizer, variables=variables):
            optimizer.apply_gradients(zip(grads, variables))

        if compiled:
            step = tf.function(step)
        for grads in grad_steps:
            step([tf.constant(g, dtype) for g in grads])
        results.append([v.numpy() for v in variables])
    return results


# --- clipping ------------------------------------------------------------------------------

def test_clipnorm_rescales_each_gradient_to_the_norm():
    grads = [[np.array([3.0, 4.0]), np.array([0.3, 0.4])]]   # norms 5 and 0.5
    eager, compiled = _both_ways(lambda: optimizers.SGD(1.0, clipnorm=1.0),
                                 [np.zeros(2), np.zeros(2)], grads)
    np.testing.assert_allclose(eager[0], [-0.6, -0.8])
    np.testing.assert_allclose(eager[1], [-0.3, -0.4])   # under the norm: unchanged
    np.testing.assert_allclose(compiled, eager)


def test_global_clipnorm_rescales_all_gradients_together():
    grads = [[np.array([3.0, 0.0]), np.array([0.0, 4.0])]]   # global norm 5
    eager, compiled = _both_ways(lambda: optimizers.SGD(1.0, global_clipnorm=2.5),
                                 [np.zeros(2), np.zeros(2)], grads)
    np.testing.assert_allclose(eager[0], [-1.5, 0.0])
    np.testing.assert_allclose(eager[1], [0.0, -2.0])
    np.testing.assert_allclose(compiled, eager)


def test_global_clipnorm_with_mixed_dtypes():
    a = tf.Variable([0.0, 0.0], dtype=tf.float32)
    b = tf.Variable([0.0, 0.0], dtype=tf.float64)
    optimizers.SGD(1.0, global_clipnorm=2.5).apply_gradients(
        [(tf.constant([3.0, 0.0]), a), (tf.constant([0.0, 4.0], tf.float64), b)])
    np.testing.assert_allclose(a.numpy(), [-1.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.0, -2.0], rtol=1e-6)


def test_clipvalue_clips_each_coordinate():
    grads = [[np.array([3.0, -0.2, -7.0])]]
    eager, compiled = _both_ways(lambda: optimizers.SGD(1.0, clipvalue=0.5), [np.zeros(3)],
                                 grads)
    np.testing.assert_allclose(eager[0], [-0.5, 0.2, 0.5])
    np.testing.assert_allclose(compiled, eager)


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and "
                                         "`global_clipnorm`"):
        optimizers.Adam(clipnorm=1.0, clipvalue=0.5)


# --- weight decay --------------------------------------------------------------------------

def test_weight_decay_is_applied_before_the_update_and_respects_exclusions():
    grads = [[np.array([1.0, 1.0]), np.array([1.0])]] * 2

    def make():
        optimizer = optimizers.SGD(0.1, weight_decay=0.5)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    for compiled in (False, True):
        optimizer = make()
        kernel = tf.Variable([1.0, -2.0], dtype=tf.float64, name="dense/kernel")
        bias = tf.Variable([1.0], dtype=tf.float64, name="dense/bias")
        step = lambda g, o=optimizer, k=kernel, b=bias: o.apply_gradients(zip(g, [k, b]))  # noqa
        if compiled:
            step = tf.function(step)
        expected_kernel, expected_bias = np.array([1.0, -2.0]), np.array([1.0])
        for grad in grads:
            step([tf.constant(g, tf.float64) for g in grad])
            expected_kernel = expected_kernel - 0.1 * 0.5 * expected_kernel - 0.1 * grad[0]
            expected_bias = expected_bias - 0.1 * grad[1]
        np.testing.assert_allclose(kernel.numpy(), expected_kernel, rtol=1e-7)
        np.testing.assert_allclose(bias.numpy(), expected_bias, rtol=1e-7)


def test_exclude_variables_from_weight_decay_by_object():
    var, other = tf.Variable([2.0]), tf.Variable([2.0])
    optimizer = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[var])
    optimizer.apply_gradients([(tf.constant([0.0]), var), (tf.constant([0.0]), other)])
    np.testing.assert_allclose(var.numpy(), [2.0])
    np.testing.assert_allclose(other.numpy(), [2.0 - 0.1 * 0.5 * 2.0])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["x"])


def test_adamw_requires_a_weight_decay():
    with pytest.raises(ValueError, match="`weight_decay` must be a float"):
        optimizers.AdamW(weight_decay=None)
    assert optimizers.AdamW().weight_decay == 0.004


# --- EMA -----------------------------------------------------------------------------------

def test_ema_tracks_the_variables_and_overwrites_them():
    grads = [[np.array([1.0])]] * 4
    for compiled in (False, True):
        optimizer = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5,
                                   ema_overwrite_frequency=3)
        var = tf.Variable([10.0], dtype=tf.float64)
        step = lambda g, o=optimizer, v=var: o.apply_gradients(zip(g, [v]))  # noqa: E731
        if compiled:
            step = tf.function(step)
        value, average = 10.0, None
        for i, grad in enumerate(grads, start=1):
            step([tf.constant(g, tf.float64) for g in grad])
            value -= 1.0
            average = value if average is None else 0.5 * average + 0.5 * value
            if i % 3 == 0:
                value = average
            np.testing.assert_allclose(var.numpy(), [value])
        np.testing.assert_allclose(optimizer.variables[2].numpy(), [average])
        var.assign([0.0])
        optimizer.finalize_variable_values([var])
        np.testing.assert_allclose(var.numpy(), [average])


def test_ema_momentum_must_be_in_range():
    with pytest.raises(ValueError, match=r"`ema_momentum` must be in the range \[0, 1\]"):
        optimizers.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=0)


# --- learning rate -------------------------------------------------------------------------

def test_learning_rate_get_and_set():
    optimizer = optimizers.SGD(learning_rate=0.5)
    assert isinstance(optimizer.learning_rate, tf.Variable)
    assert optimizer.learning_rate.dtype == tf.float32
    assert float(optimizer.learning_rate) == 0.5
    optimizer.learning_rate = 0.25
    assert float(optimizer.learning_rate) == 0.25
    assert float(optimizer.lr) == 0.25
    optimizer.lr = 0.125
    assert float(optimizer.learning_rate) == 0.125
    var = tf.Variable([1.0])
    optimizer.apply_gradients([(tf.constant([1.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.875])


def test_learning_rate_assigned_between_compiled_steps_is_used():
    optimizer = optimizers.SGD(learning_rate=1.0)
    var = tf.Variable([0.0])
    step = tf.function(lambda: optimizer.apply_gradients([(tf.constant([1.0]), var)]))
    step()
    optimizer.learning_rate = 0.5       # no retrace needed: the rate is a variable
    step()
    np.testing.assert_allclose(var.numpy(), [-1.5])


def test_learning_rate_schedule_follows_iterations():
    schedule = optimizers.schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    for compiled in (False, True):
        optimizer = optimizers.SGD(learning_rate=schedule)
        var = tf.Variable([0.0], dtype=tf.float64)
        step = lambda o=optimizer, v=var: o.apply_gradients(  # noqa: E731
            [(tf.constant([1.0], tf.float64), v)])
        if compiled:
            step = tf.function(step)
        for _ in range(3):
            step()
        np.testing.assert_allclose(var.numpy(), [-(1.0 + 0.5 + 0.25)])
        assert float(optimizer.learning_rate) == pytest.approx(0.125)
    with pytest.raises(TypeError, match="learning rate is not settable"):
        optimizer.learning_rate = 0.1
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = schedule        # a schedule may replace a float
    assert float(optimizer.learning_rate) == 1.0


def test_callable_learning_rate():
    optimizer = optimizers.SGD(learning_rate=lambda: 0.5)
    var = tf.Variable([1.0])
    optimizer.apply_gradients([(tf.constant([1.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.5])
    assert optimizer.get_config()["learning_rate"] == 0.5


def test_bad_learning_rate():
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        optimizers.Adam(learning_rate="fast")


def test_legacy_lr_and_decay_arguments():
    with pytest.warns(UserWarning, match="`lr` argument is deprecated"):
        optimizer = optimizers.legacy.SGD(lr=1.0, decay=0.5)
    var = tf.Variable([0.0], dtype=tf.float64)
    for _ in range(3):    # rates 1 / (1 + 0.5 * k) for k = 0, 1, 2
        optimizer.apply_gradients([(tf.constant([1.0], tf.float64), var)])
    np.testing.assert_allclose(var.numpy(), [-(1.0 + 1 / 1.5 + 1 / 2.0)], rtol=1e-6)
    assert optimizer.get_config()["decay"] == 0.5


def test_unknown_arguments_are_refused():
    with pytest.raises(ValueError, match="Argument\\(s\\) not recognized"):
        optimizers.Adam(learning_rat=0.1)
    optimizers.Adam(jit_compile=True, is_legacy_optimizer=False)   # tf_keras config keys


# --- iterations and variables --------------------------------------------------------------

def test_iterations_count_steps_and_apply_gradients_returns_them():
    optimizer = optimizers.Adam()
    var = tf.Variable([1.0])
    assert optimizer.iterations.dtype == tf.int64
    result = optimizer.apply_gradients([(tf.constant([1.0]), var)])
    assert result is optimizer.iterations
    step = tf.function(lambda: optimizer.apply_gradients([(tf.constant([1.0]), var)]))
    step()
    step()
    assert int(optimizer.iterations.numpy()) == 3
    optimizer.iterations = 10
    assert int(optimizer.iterations.numpy()) == 10


def test_variables_order_names_and_checkpoint_children():
    backend.clear_session()
    kernel = tf.Variable(np.ones((2, 3), np.float32), name="dense/kernel")
    bias = tf.Variable(np.zeros(3, np.float32), name="dense/bias")
    optimizer = optimizers.Adam()
    assert optimizer.name == "adam"
    assert optimizers.Adam().name == "adam_1"
    optimizer.build([kernel, bias])
    names = [v.name for v in optimizer.variables]
    assert names == ["iteration:0", "learning_rate:0", "dense_kernel_momentum:0",
                     "dense_kernel_velocity:0", "dense_bias_momentum:0",
                     "dense_bias_velocity:0"]
    assert [v.shape.as_list() for v in optimizer.variables[2:]] == [[2, 3], [2, 3], [3], [3]]
    assert all(not v.trainable for v in optimizer.variables)
    assert optimizer.variables() == optimizer.variables   # legacy method form
    children = optimizer._trackable_children()
    assert list(children) == ["_iterations", "_learning_rate", "_variables"]
    assert children["_variables"][0] is optimizer.iterations
    assert len(children["_variables"]) == 5


def test_amsgrad_and_nadam_state_comes_after_the_interleaved_slots():
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    optimizer = optimizers.Adam(amsgrad=True)
    optimizer.build([a, b])
    assert [v.name for v in optimizer.variables[2:]] == [
        "a_momentum:0", "a_velocity:0", "b_momentum:0", "b_velocity:0", "a_velocity_hat:0",
        "b_velocity_hat:0"]
    nadam = optimizers.Nadam()
    nadam.build([a, b])
    assert nadam.variables[-1].name == "u_product:0"
    assert float(nadam.variables[-1]) == 1.0


def test_slots_are_created_once_on_the_first_trace():
    optimizer = optimizers.Adam()
    var = tf.Variable(np.ones(3, np.float32))

    @tf.function
    def step(grad):
        optimizer.apply_gradients([(grad, var)])

    step(tf.ones(3))
    count = len(optimizer.variables)
    step(tf.ones(3))
    step(tf.ones(3) * 2.0)
    assert count == 4 and len(optimizer.variables) == 4
    assert int(optimizer.iterations.numpy()) == 3


def test_new_variables_get_slots_on_later_calls():
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    optimizer.apply_gradients([(tf.constant([1.0]), a)])
    optimizer.apply_gradients([(tf.constant([1.0]), a), (tf.constant([1.0]), b)])
    np.testing.assert_allclose(a.numpy(), [1.0 - 0.1 - 0.19])
    np.testing.assert_allclose(b.numpy(), [2.0 - 0.1])
    assert len(optimizer.variables) == 4


# --- missing gradients and errors ----------------------------------------------------------

def test_none_gradients_are_skipped_with_a_warning(caplog):
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    optimizer = optimizers.SGD(1.0)
    with caplog.at_level(logging.WARNING, logger="eagerflow"):
        optimizer.apply_gradients([(None, a), (tf.constant([1.0]), b)])
    assert "Gradients do not exist for variables ['a:0']" in caplog.text
    np.testing.assert_allclose(a.numpy(), [1.0])
    np.testing.assert_allclose(b.numpy(), [0.0])


def test_all_none_gradients_raise():
    var = tf.Variable([1.0], name="w")
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \['w:0'\]"):
        optimizers.Adam().apply_gradients([(None, var)])
    step = tf.function(lambda: optimizers.SGD().apply_gradients([(None, var)]))
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        step()


def test_shape_mismatch_raises_before_any_variable_changes():
    a, b = tf.Variable([1.0, 2.0], name="a"), tf.Variable([3.0], name="b")
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match=r"gradient for variable 'b:0' has shape \(2,\), but "
                                         r"the variable has shape \(1,\)"):
        optimizer.apply_gradients([(tf.constant([1.0, 1.0]), a),
                                   (tf.constant([1.0, 1.0]), b)])
    np.testing.assert_allclose(a.numpy(), [1.0, 2.0])
    assert int(optimizer.iterations.numpy()) == 0


def test_bad_pairs_and_non_variables():
    optimizer = optimizers.SGD()
    with pytest.raises(TypeError, match="pairs"):
        optimizer.apply_gradients([tf.constant(1.0)])
    with pytest.raises(TypeError, match="can only update tf.Variable"):
        optimizer.apply_gradients([(tf.constant(1.0), tf.constant(2.0))])
    with pytest.raises(TypeError, match="can only update floating-point variables, but "
                                        "variable 'count:0' has dtype int32"):
        optimizer.apply_gradients([(tf.constant([1]), tf.Variable([2], name="count"))])
    with pytest.raises(ValueError, match="number of gradients"):
        optimizer.apply([tf.constant(1.0)], [tf.Variable(1.0), tf.Variable(2.0)])


def test_hyperparameter_validation():
    with pytest.raises(ValueError, match=r"`momentum` must be a float between \[0, 1\]"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="`initial_accumulator_value` needs to be positive"):
        optimizers.Ftrl(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="`learning_rate_power` needs to be negative"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="`l1_regularization_strength` needs to be positive"):
        optimizers.Ftrl(l1_regularization_strength=-0.1)
    with pytest.raises(ValueError, match=r"`beta_1` must be in the interval \(0, 1\]"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="`beta_1` must be a number"):
        optimizers.Adam(beta_1="high")
    with pytest.raises(ValueError, match="`gradient_accumulation_steps` must be an integer "
                                         ">= 2"):
        optimizers.Adam(gradient_accumulation_steps=1)


# --- gradient accumulation ----------------------------------------------------------------

def test_gradient_accumulation_updates_with_the_mean_every_n_calls():
    grads = [np.array([1.0, 2.0]), np.array([3.0, -2.0]), np.array([0.5, 0.5]),
             np.array([1.5, 1.5])]
    for compiled in (False, True):
        optimizer = optimizers.SGD(0.1, momentum=0.5, gradient_accumulation_steps=2)
        var = tf.Variable([0.0, 0.0], dtype=tf.float64)
        step = lambda g, o=optimizer, v=var: o.apply_gradients([(g, v)])  # noqa: E731
        if compiled:
            step = tf.function(step)
        expected, momentum = np.zeros(2), np.zeros(2)
        for i, grad in enumerate(grads):
            step(tf.constant(grad, tf.float64))
            if i % 2 == 1:    # update with the mean of this and the previous gradient
                momentum = 0.5 * momentum - 0.1 * (grads[i - 1] + grad) / 2
                expected = expected + momentum
            np.testing.assert_allclose(var.numpy(), expected, rtol=1e-7)
        # `iterations` counts updates; the variable behind it counts calls.
        assert int(optimizer.iterations) == 2
        assert int(optimizer._iterations.numpy()) == 4


def test_adam_bias_correction_counts_updates_when_accumulating():
    var = tf.Variable([1.0], dtype=tf.float64)
    optimizer = optimizers.Adam(0.1, gradient_accumulation_steps=3)
    for grad in ([1.0], [2.0], [3.0]):
        optimizer.apply_gradients([(tf.constant(grad, tf.float64), var)])
    # One update with the mean gradient 2.0, at t = 1: the step is lr * sign(g).
    np.testing.assert_allclose(var.numpy(), [0.9], rtol=1e-6)


# --- apply / minimize / compute_gradients --------------------------------------------------

def test_apply_uses_the_built_variables():
    var = tf.Variable([1.0, 2.0])
    optimizer = optimizers.SGD(0.5)
    with pytest.raises(ValueError, match="must already be built"):
        optimizer.apply([tf.constant([1.0, 1.0])])
    optimizer.build([var])
    optimizer.apply([tf.constant([1.0, 1.0])])
    np.testing.assert_allclose(var.numpy(), [0.5, 1.5])


def test_minimize_with_a_callable_and_with_a_tape():
    var = tf.Variable(3.0)
    optimizer = optimizers.SGD(0.25)
    optimizer.minimize(lambda: var * var, [var])              # grad 6 -> 1.5
    assert float(var.numpy()) == pytest.approx(1.5)
    with tf.GradientTape() as tape:
        loss = var * var
    optimizer.minimize(loss, [var], tape=tape)                 # grad 3 -> 0.75
    assert float(var.numpy()) == pytest.approx(0.75)
    optimizer.minimize(lambda: var * var, lambda: [var])       # var_list as a callable
    assert float(var.numpy()) == pytest.approx(0.375)
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        optimizer.minimize(loss, [var])


def test_minimize_inside_tf_function():
    var = tf.Variable([3.0, -1.0])
    optimizer = optimizers.SGD(0.25)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(var * var)
        optimizer.minimize(loss, [var], tape=tape)

    step()
    step()
    np.testing.assert_allclose(var.numpy(), [0.75, -0.25])


def test_constraints_are_applied_after_the_update():
    var = tf.Variable([0.5, -0.5], constraint=lambda v: tf.clip_by_value(v, 0.0, 1.0))
    optimizers.SGD(1.0).apply_gradients([(tf.constant([-1.0, 1.0]), var)])
    np.testing.assert_allclose(var.numpy(), [1.0, 0.0])


def test_gradients_are_cast_to_the_variable_dtype():
    var = tf.Variable([1.0], dtype=tf.float64)
    optimizers.SGD(0.5).apply_gradients([(tf.constant([1.0], tf.float32), var)])
    assert var.dtype == tf.float64
    np.testing.assert_allclose(var.numpy(), [0.5])


def test_loss_scale_factor_divides_gradients():
    var = tf.Variable([1.0])
    optimizer = optimizers.SGD(1.0, loss_scale_factor=4.0)
    assert float(optimizer.scale_loss(tf.constant(2.0))) == 8.0
    optimizer.apply_gradients([(tf.constant([2.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.5])


# --- custom optimizers ---------------------------------------------------------------------

class _Keras3Style(optimizers.Optimizer):
    """A user optimizer written against the Keras 3 API."""

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.velocities = self.add_optimizer_variables(variables, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.velocities[self._get_variable_index(variable)]
        self.assign(velocity, 0.5 * velocity + gradient)
        self.assign_sub(variable, learning_rate * velocity)


class _TfKerasStyle(optimizers.Optimizer):
    """A user optimizer written against tf_keras's API: update_step(gradient, variable)."""

    def __init__(self, learning_rate=0.1, name="TfKerasStyle", **kwargs):
        super().__init__(name=name, **kwargs)
        self._learning_rate = self._build_learning_rate(learning_rate)

    def build(self, var_list):
        super().build(var_list)
        if getattr(self, "_built", False):
            return
        self._built = True
        self._momentums = [self.add_variable_from_reference(model_variable=var,
                                                            variable_name="m")
                           for var in var_list]

    def update_step(self, gradient, variable):
        lr = tf.cast(self.learning_rate, variable.dtype)
        m = self._momentums[self._index_dict[self._var_key(variable)]]
        m.assign(0.5 * m + gradient)
        variable.assign_sub(lr * m)

    def get_config(self):
        config = super().get_config()
        config["learning_rate"] = self._serialize_hyperparameter(self._learning_rate)
        return config


def _two_momentum_steps(optimizer_class, compiled: bool):
    """Two steps of gradient 1 on a variable at 1.0 (velocity 1 then 1.5)."""
    var = tf.Variable([1.0])
    optimizer = optimizer_class(learning_rate=0.1)

    def step():
        optimizer.apply_gradients([(tf.constant([1.0]), var)])
    if compiled:
        step = tf.function(step)
    step()
    step()
    np.testing.assert_allclose(var.numpy(), [1.0 - 0.1 - 0.15], rtol=1e-6)
    return optimizer


def test_custom_optimizer_subclasses():
    for compiled in (False, True):
        keras3_style = _two_momentum_steps(_Keras3Style, compiled)
        assert "keras3_style" in keras3_style.name
        tf_keras_style = _two_momentum_steps(_TfKerasStyle, compiled)
        assert tf_keras_style.variables[2].name == "Variable_m:0"
    with pytest.raises(ValueError, match="Unknown variable"):
        keras3_style.apply_gradients([(tf.constant([1.0]), tf.Variable([0.0]))])
    assert _TfKerasStyle.from_config(tf_keras_style.get_config()).get_config() == \
        tf_keras_style.get_config()


# --- state get/set -------------------------------------------------------------------------

def test_get_set_weights_and_own_variables_round_trip():
    var = tf.Variable([1.0, 2.0])
    first = optimizers.Adam(0.1)
    for _ in range(2):
        first.apply_gradients([(tf.constant([0.5, -0.5]), var)])
    second = optimizers.Adam(0.1)
    second.build([var])
    second.set_weights(first.get_weights())
    for a, b in zip(first.variables, second.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    store = {}
    first.save_own_variables(store)
    third = optimizers.Adam()
    third.build([var])
    third.load_own_variables(store)
    assert int(third.iterations.numpy()) == 2
    assert float(third.learning_rate) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="has 4 variables, but set_weights was given 2"):
        third.set_weights(first.get_weights()[:2])
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        optimizers.Adam().load_own_variables(store)
