"""A small Transformer encoder classifies generated token sequences.

The Keras "text classification with Transformer" pattern: a layer subclass adds token and position
embeddings, an encoder block (MultiHeadAttention, residual connections, LayerNormalization and a
feed-forward network) follows, then GlobalAveragePooling1D and a softmax head. The label depends on
where a token appears (first half of the sequence or not), so the model needs the positions.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

VOCAB_SIZE, MAX_LEN, EMBED_DIM = 20, 10, 16


class TokenAndPositionEmbedding(tf.keras.layers.Layer):
    """Adds a learned embedding of each position to the embedding of the token found there."""

    def __init__(self, max_len, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = tf.keras.layers.Embedding(vocab_size, embed_dim)
        self.pos_emb = tf.keras.layers.Embedding(max_len, embed_dim)

    def call(self, x):
        positions = tf.range(start=0, limit=tf.shape(x)[-1], delta=1)
        return self.token_emb(x) + self.pos_emb(positions)


class TransformerBlock(tf.keras.layers.Layer):
    """Self-attention and a feed-forward network, each with a residual connection and a norm."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = tf.keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = tf.keras.Sequential([
            tf.keras.layers.Dense(ff_dim, activation="relu"),
            tf.keras.layers.Dense(embed_dim),
        ])
        self.layernorm1 = tf.keras.layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = tf.keras.layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = tf.keras.layers.Dropout(rate)
        self.dropout2 = tf.keras.layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


def make_data(n, rng):
    """Random tokens 2..19; label 1 when the marker token 1 sits in the first half."""
    x = rng.integers(2, VOCAB_SIZE, size=(n, MAX_LEN))
    where = rng.integers(0, MAX_LEN, size=n)
    x[np.arange(n), where] = 1
    y = (where < MAX_LEN // 2).astype("int32")
    return x.astype("int32"), y


rng = np.random.default_rng(0)
x_train, y_train = make_data(2000, rng)
x_test, y_test = make_data(500, rng)

inputs = tf.keras.layers.Input(shape=(MAX_LEN,))
x = TokenAndPositionEmbedding(MAX_LEN, VOCAB_SIZE, EMBED_DIM)(inputs)
x = TransformerBlock(EMBED_DIM, num_heads=2, ff_dim=32)(x)
x = tf.keras.layers.GlobalAveragePooling1D()(x)
x = tf.keras.layers.Dropout(0.1)(x)
x = tf.keras.layers.Dense(16, activation="relu")(x)
outputs = tf.keras.layers.Dense(2, activation="softmax")(x)
model = tf.keras.Model(inputs=inputs, outputs=outputs)

model.compile(optimizer=tf.keras.optimizers.Adam(3e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=8,
                    validation_data=(x_test, y_test), verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

attention = model.layers[2].att
_, scores = attention(model.layers[1](x_test[:4]), model.layers[1](x_test[:4]),
                      return_attention_scores=True)
print("parameters:", model.count_params())
print("attention scores shape:", tuple(scores.shape))
print("attention rows sum to one:", bool(np.allclose(np.sum(scores.numpy(), axis=-1), 1.0,
                                                     atol=1e-5)))
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
