"""Training under a strategy gives the numbers training without one gives: the custom loop
of TF's "Custom training with tf.distribute.Strategy" tutorial, and Keras fit / evaluate /
predict on a model built and compiled in a strategy scope."""

import numpy as np
import pytest

import eagerflow as tf

RNG = np.random.RandomState(0)
IMAGES = RNG.rand(48, 6).astype(np.float32)
LABELS = RNG.randint(0, 3, 48).astype(np.int64)
BATCH_SIZE_PER_REPLICA = 8


def _create_model():
    init = tf.keras.initializers.GlorotUniform
    return tf.keras.Sequential([
        tf.keras.layers.Dense(8, activation="relu", kernel_initializer=init(seed=1),
                              kernel_regularizer=tf.keras.regularizers.L2(1e-3)),
        tf.keras.layers.Dense(3, kernel_initializer=init(seed=2)),
    ])


def _tutorial_loop(strategy, epochs=2, from_function=False):
    """The tutorial's program, with `strategy` (None: the same program without one)."""
    replicas = strategy.num_replicas_in_sync if strategy else 1
    global_batch_size = BATCH_SIZE_PER_REPLICA * replicas
    dataset = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)).batch(global_batch_size)
    if strategy is None:
        scope, dist_dataset = tf.distribute.get_strategy().scope(), dataset
    elif from_function:
        scope = strategy.scope()
        dist_dataset = strategy.distribute_datasets_from_function(
            lambda ctx: tf.data.Dataset.from_tensor_slices((IMAGES, LABELS))
            .batch(ctx.get_per_replica_batch_size(global_batch_size)))
    else:
        scope, dist_dataset = strategy.scope(), strategy.experimental_distribute_dataset(dataset)

    with scope:
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=tf.keras.losses.Reduction.NONE)

        def compute_loss(labels, predictions, model_losses):
            per_example_loss = loss_object(labels, predictions)
            loss = tf.nn.compute_average_loss(per_example_loss)
            if model_losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(model_losses))
            return loss

        train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
        test_loss = tf.keras.metrics.Mean(name="test_loss")
        model = _create_model()
        optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)

    def train_step(inputs):
        images, labels = inputs
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = compute_loss(labels, predictions, model.losses)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_accuracy.update_state(labels, predictions)
        return loss

    def test_step(inputs):
        images, labels = inputs
        test_loss.update_state(loss_object(labels, model(images, training=False)))

    if strategy is None:
        distributed_train_step = tf.function(train_step)
        distributed_test_step = tf.function(test_step)
    else:
        @tf.function
        def distributed_train_step(dataset_inputs):
            per_replica_losses = strategy.run(train_step, args=(dataset_inputs,))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

        @tf.function
        def distributed_test_step(dataset_inputs):
            return strategy.run(test_step, args=(dataset_inputs,))

    history = []
    for _ in range(epochs):
        total_loss, num_batches = 0.0, 0
        for x in dist_dataset:
            total_loss += distributed_train_step(x)
            num_batches += 1
        for x in dist_dataset:
            distributed_test_step(x)
        history.append((float(total_loss / num_batches), float(train_accuracy.result()),
                        float(test_loss.result())))
        train_accuracy.reset_state()
        test_loss.reset_state()
    return history, [v.numpy() for v in model.weights]


@pytest.fixture(scope="module")
def without_strategy():
    return _tutorial_loop(None)


@pytest.mark.parametrize("make", [
    tf.distribute.MirroredStrategy, lambda: tf.distribute.OneDeviceStrategy("/cpu:0"),
    tf.distribute.get_strategy])
def test_tutorial_custom_loop_matches_the_loop_without_strategy(make, without_strategy):
    history, weights = _tutorial_loop(make())
    expected_history, expected_weights = without_strategy
    np.testing.assert_allclose(history, expected_history, rtol=1e-6)
    for got, want in zip(weights, expected_weights):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert history[-1][0] < history[0][0]  # it learns


def test_tutorial_with_datasets_from_function(without_strategy):
    history, _ = _tutorial_loop(tf.distribute.MirroredStrategy(), from_function=True)
    np.testing.assert_allclose(history, without_strategy[0], rtol=1e-6)


def test_first_step_loss_is_the_closed_form():
    """compute_average_loss + scale_regularization_loss of step 1, computed in NumPy."""
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = _create_model()
        model.build((None, 6))
    x, y = IMAGES[:8], LABELS[:8]
    kernel1, bias1, kernel2, bias2 = [v.numpy().astype(np.float64) for v in model.weights]
    logits = np.maximum(x @ kernel1 + bias1, 0) @ kernel2 + bias2
    log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -log_probs[np.arange(8), y].sum() / 8 + 1e-3 * (kernel1 ** 2).sum()
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
        from_logits=True, reduction=tf.keras.losses.Reduction.NONE)

    def step(images, labels):
        per_example = loss_object(labels, model(images))
        return (tf.nn.compute_average_loss(per_example)
                + tf.nn.scale_regularization_loss(tf.add_n(model.losses)))

    loss = strategy.reduce("SUM", strategy.run(step, args=(x, y)), axis=None)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)


# --- Keras fit -------------------------------------------------------------------------------
def _fit(strategy):
    tf.keras.utils.set_random_seed(3)
    scope = strategy.scope() if strategy else tf.distribute.get_strategy().scope()
    with scope:
        model = _create_model()
        model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        if strategy is not None:
            assert model.distribute_strategy is strategy
    history = model.fit(IMAGES, LABELS, batch_size=8, epochs=3, shuffle=False, verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices((IMAGES, LABELS)).batch(16)
    if strategy is not None:
        dataset = strategy.experimental_distribute_dataset(dataset)
    evaluation = model.evaluate(IMAGES, LABELS, batch_size=16, verbose=0)
    predictions = model.predict(IMAGES, batch_size=16, verbose=0)
    return history.history, evaluation, predictions, [v.numpy() for v in model.weights]


def test_fit_in_a_strategy_scope_equals_fit_without():
    with_strategy = _fit(tf.distribute.MirroredStrategy())
    without = _fit(None)
    assert with_strategy[0].keys() == without[0].keys()
    for key in without[0]:
        np.testing.assert_allclose(with_strategy[0][key], without[0][key], rtol=1e-6)
    np.testing.assert_allclose(with_strategy[1], without[1], rtol=1e-6)
    np.testing.assert_allclose(with_strategy[2], without[2], rtol=1e-6)
    for got, want in zip(with_strategy[3], without[3]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert without[0]["loss"][-1] < without[0]["loss"][0]


def test_fit_on_a_distributed_dataset():
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    x = IMAGES[:8]
    y = x.sum(1, keepdims=True)
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices(
        (x, y)).batch(8))
    loss = model.fit(dist, epochs=1, verbose=0).history["loss"][0]
    np.testing.assert_allclose(loss, np.mean(y ** 2), rtol=1e-5)  # zero weights: mean(y^2)


def test_checkpoint_of_a_model_built_in_scope(tmp_path):
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = _create_model()
        model.build((None, 6))
        optimizer = tf.keras.optimizers.Adam()
        checkpoint = tf.train.Checkpoint(optimizer=optimizer, model=model)
    path = checkpoint.save(str(tmp_path / "ckpt"))
    saved = [v.numpy() for v in model.weights]
    for v in model.weights:
        v.assign(tf.zeros_like(v))
    checkpoint.restore(path)
    for got, want in zip(model.weights, saved):
        np.testing.assert_array_equal(got.numpy(), want)


def test_tutorial_loop_gives_tensorflows_numbers():
    """The tutorial's loop from fixed weights; the expected losses and accuracy were printed by
    TensorFlow 2.21 (tf_keras, MirroredStrategy on a CPU-only machine) for this program."""
    rng = np.random.RandomState(0)
    x, y = rng.rand(48, 6).astype("float32"), rng.randint(0, 3, 48)
    weights = [rng.randn(6, 8).astype("float32") * 0.3, np.zeros(8, "float32"),
               rng.randn(8, 3).astype("float32") * 0.3, np.zeros(3, "float32")]
    strategy = tf.distribute.MirroredStrategy()
    dist = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(8 * strategy.num_replicas_in_sync))
    with strategy.scope():
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction=tf.keras.losses.Reduction.NONE)
        model = tf.keras.Sequential([
            tf.keras.layers.Dense(8, activation="relu",
                                  kernel_regularizer=tf.keras.regularizers.L2(1e-3)),
            tf.keras.layers.Dense(3)])
        model.build((None, 6))
        model.set_weights(weights)
        optimizer = tf.keras.optimizers.Adam(0.01)
        accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

    def step(inputs):
        images, labels = inputs
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = (tf.nn.compute_average_loss(loss_object(labels, predictions))
                    + tf.nn.scale_regularization_loss(tf.add_n(model.losses)))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        accuracy.update_state(labels, predictions)
        return loss

    @tf.function
    def distributed_step(inputs):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(step, args=(inputs,)),
                               axis=None)

    losses = []
    for _ in range(3):
        total, batches = 0.0, 0
        for inputs in dist:
            total += distributed_step(inputs)
            batches += 1
        losses.append(float(total / batches))
    np.testing.assert_allclose(losses, [1.1010991334915161, 1.0849956274032593,
                                        1.0757347345352173], rtol=1e-5)
    np.testing.assert_allclose(float(accuracy.result()), 0.3958333432674408, rtol=1e-6)
