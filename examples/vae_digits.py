"""A variational autoencoder on scikit-learn's 8x8 digits: a custom Sampling layer, an encoder and
a decoder (Conv2D / Conv2DTranspose), and a Model subclass whose train_step computes the
reconstruction and KL losses and tracks them with its own metrics.

The Keras example "Variational AutoEncoder" (TF 2 / tf.keras version), scaled down.
"""

import numpy as np
from sklearn.datasets import load_digits

import eagerflow as tf

tf.keras.utils.set_random_seed(0)
keras, layers = tf.keras, tf.keras.layers


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = tf.shape(z_mean)[0]
        dim = tf.shape(z_mean)[1]
        epsilon = tf.random.normal(shape=(batch, dim))
        return z_mean + tf.exp(0.5 * z_log_var) * epsilon


latent_dim = 2

encoder_inputs = keras.Input(shape=(8, 8, 1))
x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Flatten()(x)
x = layers.Dense(32, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(4 * 4 * 16, activation="relu")(latent_inputs)
x = layers.Reshape((4, 4, 16))(x)
x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = tf.reduce_mean(
                tf.reduce_sum(
                    keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)
                )
            )
            kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
            kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }


digits = np.expand_dims(load_digits().images, -1).astype("float32") / 16.0

vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3))
history = vae.fit(digits, epochs=8, batch_size=64, verbose=0)

# Digits of different classes land in different regions of the latent space.
labels = load_digits().target
means, _, _ = encoder.predict(digits, verbose=0)
centers = np.stack([means[labels == k].mean(axis=0) for k in range(10)])
spread = np.mean([means[labels == k].std(axis=0).mean() for k in range(10)])
decoded = decoder.predict(centers, verbose=0)

print("encoder outputs:", [tuple(t.shape) for t in encoder.outputs])
print("decoder output:", tuple(decoder.output_shape))
print("history keys:", sorted(history.history))
print(f"first loss: {history.history['loss'][0]:.2f}")
print(f"final loss: {history.history['loss'][-1]:.2f}")
print(f"final reconstruction_loss: {history.history['reconstruction_loss'][-1]:.2f}")
print(f"final kl_loss: {history.history['kl_loss'][-1]:.2f}")
print(f"distance between class centers: {np.mean(np.abs(centers[:, None] - centers)):.3f}")
print(f"within-class spread: {spread:.3f}")
print(f"decoded range: {decoded.min():.3f} {decoded.max():.3f}")
