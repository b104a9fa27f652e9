"""Text classification with Embedding(mask_zero=True) + Bidirectional LSTM on generated sequences.

The TF 2 "text classification with an RNN" tutorial pattern, on synthetic token sequences of
varying length padded with zeros: the label says whether the "keyword" token 3 occurs.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

VOCAB_SIZE, MAX_LEN, KEYWORD = 20, 12, 3
rng = np.random.default_rng(0)


def make_sequences(count):
    """Random token lists of length 3..MAX_LEN; label 1 when KEYWORD occurs in the list."""
    sequences, labels = [], []
    for _ in range(count):
        length = rng.integers(3, MAX_LEN + 1)
        tokens = rng.choice([t for t in range(1, VOCAB_SIZE) if t != KEYWORD], size=length)
        if rng.random() < 0.5:
            tokens[rng.integers(length)] = KEYWORD
        sequences.append(tokens.tolist())
        labels.append(int(KEYWORD in tokens))
    return sequences, np.array(labels, dtype="float32")


train_sequences, y_train = make_sequences(800)
test_sequences, y_test = make_sequences(200)
x_train = tf.keras.preprocessing.sequence.pad_sequences(train_sequences, maxlen=MAX_LEN,
                                                        padding="post")
x_test = tf.keras.preprocessing.sequence.pad_sequences(test_sequences, maxlen=MAX_LEN,
                                                       padding="post")

model = tf.keras.Sequential([
    tf.keras.layers.Embedding(VOCAB_SIZE, 16, mask_zero=True),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(16)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
              optimizer=tf.keras.optimizers.Adam(1e-2),
              metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=6, batch_size=32, verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

# Padding must not change the prediction: the mask hides the zeros from the LSTM.
sample = np.array([[5, 3, 7]])
padded = tf.keras.preprocessing.sequence.pad_sequences(sample, maxlen=MAX_LEN, padding="post")
short_logit = float(model.predict(sample, verbose=0)[0, 0])
padded_logit = float(model.predict(padded, verbose=0)[0, 0])

print("mask of padded sample:", model.layers[0].compute_mask(padded).numpy().astype(int).tolist())
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test loss: {test_loss:.4f}")
print(f"test accuracy: {test_accuracy:.4f}")
print(f"logit short: {short_logit:.5f} padded: {padded_logit:.5f}")
