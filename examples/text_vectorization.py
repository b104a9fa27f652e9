"""Text classification from raw strings: a TextVectorization layer adapted on the training text,
Embedding + GlobalAveragePooling1D, and an export model that takes strings end to end.

The TF 2 tutorial "Basic text classification", on generated short reviews: the label is 1 when
the review holds more positive than negative words.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

POSITIVE = ["good", "great", "excellent", "fun", "lovely"]
NEGATIVE = ["bad", "boring", "awful", "dull", "poor"]
NEUTRAL = ["the", "movie", "plot", "was", "actors", "and", "a", "film", "story", "very"]
rng = np.random.default_rng(0)


def make_reviews(count):
    texts, labels = [], []
    for _ in range(count):
        n_pos, n_neg = rng.integers(0, 3, size=2)
        while n_pos == n_neg:
            n_pos, n_neg = rng.integers(0, 3, size=2)
        words = (list(rng.choice(POSITIVE, n_pos)) + list(rng.choice(NEGATIVE, n_neg))
                 + list(rng.choice(NEUTRAL, rng.integers(3, 8))))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(int(n_pos > n_neg))
    return np.array(texts), np.array(labels, dtype="float32")


train_texts, train_labels = make_reviews(1000)
test_texts, test_labels = make_reviews(200)
raw_train_ds = tf.data.Dataset.from_tensor_slices((train_texts, train_labels)).batch(32)
raw_test_ds = tf.data.Dataset.from_tensor_slices((test_texts, test_labels)).batch(32)

max_features = 50
sequence_length = 16
vectorize_layer = tf.keras.layers.TextVectorization(
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length)

# Make a text-only dataset (without labels), then call adapt
train_text = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(train_text)


def vectorize_text(text, label):
    text = tf.expand_dims(text, -1)
    return vectorize_layer(text), label


train_ds = raw_train_ds.map(vectorize_text).cache().prefetch(tf.data.AUTOTUNE)
test_ds = raw_test_ds.map(vectorize_text).cache().prefetch(tf.data.AUTOTUNE)

embedding_dim = 16
model = tf.keras.Sequential([
    tf.keras.layers.Embedding(max_features, embedding_dim),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.GlobalAveragePooling1D(),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(1)])
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
              optimizer=tf.keras.optimizers.Adam(1e-2),
              metrics=tf.metrics.BinaryAccuracy(threshold=0.0))
history = model.fit(train_ds, validation_data=test_ds, epochs=10, verbose=0)
loss, accuracy = model.evaluate(test_ds, verbose=0)

export_model = tf.keras.Sequential([
    vectorize_layer,
    model,
    tf.keras.layers.Activation("sigmoid")
])
export_model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=False),
                     optimizer="adam", metrics=["accuracy"])
examples = tf.constant(["The movie was great, great and fun!", "The film was awful.",
                        "A boring, dull and poor story"])
probabilities = export_model.predict(examples, verbose=0)

print("vocabulary size:", vectorize_layer.vocabulary_size())
print("vocabulary head:", vectorize_layer.get_vocabulary()[:2])
print("vectorized:", vectorize_layer(["The movie was great"]).numpy()[0, :6].tolist())
print("vocabulary of 'great':", vectorize_layer.get_vocabulary().index("great"))
print(f"final train accuracy: {history.history['binary_accuracy'][-1]:.4f}")
print(f"test loss: {loss:.4f}")
print(f"test accuracy: {accuracy:.4f}")
print("export predictions:", [round(float(p), 3) for p in probabilities[:, 0]])
print(f"export accuracy: {export_model.evaluate(test_texts, test_labels, verbose=0)[1]:.4f}")
