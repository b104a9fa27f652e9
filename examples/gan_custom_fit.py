"""A GAN trained with fit(): a Model subclass overriding compile (two optimizers and a loss) and
train_step (a discriminator step, then a generator step), fed by a tf.data pipeline of images.

The TF 2 guide "Customizing what happens in fit()" (its end-to-end GAN example), with small
dense networks on scikit-learn's 8x8 digits.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)
keras, layers = tf.keras, tf.keras.layers

latent_dim = 8

discriminator = keras.Sequential(
    [
        keras.Input(shape=(8, 8, 1)),
        layers.Flatten(),
        layers.Dense(64),
        layers.LeakyReLU(alpha=0.2),
        layers.Dense(1),
    ],
    name="discriminator",
)
generator = keras.Sequential(
    [
        keras.Input(shape=(latent_dim,)),
        layers.Dense(64),
        layers.LeakyReLU(alpha=0.2),
        layers.Dense(64, activation="sigmoid"),
        layers.Reshape((8, 8, 1)),
    ],
    name="generator",
)


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        # Sample random points in the latent space
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))

        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)

        # Combine them with real images
        combined_images = tf.concat([generated_images, real_images], axis=0)

        # Assemble labels discriminating real from fake images
        labels = tf.concat(
            [tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0
        )
        # Add random noise to the labels - important trick!
        labels += 0.05 * tf.random.uniform(tf.shape(labels))

        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights)
        )

        # Sample random points in the latent space
        random_latent_vectors = tf.random.normal(shape=(batch_size, self.latent_dim))

        # Assemble labels that say "all real images"
        misleading_labels = tf.zeros((batch_size, 1))

        # Train the generator (note that we should *not* update the weights
        # of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))

        # Update metrics and return their value.
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {
            "d_loss": self.d_loss_tracker.result(),
            "g_loss": self.g_loss_tracker.result(),
        }


# Prepare the dataset: the digits' images, scaled to [0, 1].
all_digits = np.expand_dims(load_digits().images, -1).astype("float32") / 16.0
dataset = tf.data.Dataset.from_tensor_slices(all_digits)
dataset = dataset.shuffle(buffer_size=1024).batch(64)

gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
gan.compile(
    d_optimizer=keras.optimizers.Adam(learning_rate=0.003),
    g_optimizer=keras.optimizers.Adam(learning_rate=0.003),
    loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
)
history = gan.fit(dataset, epochs=6, verbose=0)

samples = generator(tf.random.normal((256, latent_dim))).numpy()
real_mean = all_digits.mean(axis=0)
print("history keys:", sorted(history.history))
print("generator output:", samples.shape)
print("optimizer steps:", int(gan.d_optimizer.iterations.numpy()),
      int(gan.g_optimizer.iterations.numpy()))
print(f"final d_loss: {history.history['d_loss'][-1]:.4f}")
print(f"final g_loss: {history.history['g_loss'][-1]:.4f}")
print(f"sample range: {samples.min():.3f} {samples.max():.3f}")
print(f"mean image error: {np.mean(np.abs(samples.mean(axis=0) - real_mean)):.4f}")
print(f"untrained mean image error: {np.mean(np.abs(0.5 - real_mean)):.4f}")
