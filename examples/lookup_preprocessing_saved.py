"""String preprocessing layers inside a model, saved to .keras with it and reloaded.

The Keras "working with preprocessing layers" pattern: StringLookup turns a categorical string
feature into one-hot vectors, TextVectorization turns free text into token ids for an Embedding;
both are adapted on the training data and placed inside a functional model that takes raw strings,
so the saved .keras file carries the vocabularies and serves raw strings after reloading.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

rng = np.random.default_rng(0)
COLORS = ["red", "green", "blue", "black"]
GOOD, BAD, FILLER = ["great", "fine", "lovely"], ["awful", "broken", "poor"], ["the", "item", "is",
                                                                              "was", "very", "a"]


def make_rows(n):
    colors, texts, labels = [], [], []
    for _ in range(n):
        color = COLORS[rng.integers(len(COLORS))]
        good = rng.random() < 0.5
        words = list(rng.choice(FILLER, size=4)) + [rng.choice(GOOD if good else BAD)]
        rng.shuffle(words)
        colors.append(color)
        texts.append(" ".join(words).capitalize() + "!")
        # Blue items are liked whatever the text says; otherwise the text decides.
        labels.append(1.0 if (good or color == "blue") else 0.0)
    return np.array(colors), np.array(texts), np.array(labels, dtype="float32")


train_colors, train_texts, train_labels = make_rows(800)
test_colors, test_texts, test_labels = make_rows(200)

color_lookup = tf.keras.layers.StringLookup(output_mode="one_hot", name="color_lookup")
color_lookup.adapt(train_colors)
vectorizer = tf.keras.layers.TextVectorization(max_tokens=30, output_sequence_length=8,
                                               name="vectorizer")
vectorizer.adapt(train_texts)
print("color vocabulary:", [str(word) for word in color_lookup.get_vocabulary()])
print("text vocabulary size:", vectorizer.vocabulary_size())
print("vectorized:", vectorizer(["The item is GREAT!"]).numpy().tolist())

color_in = tf.keras.Input(shape=(1,), dtype=tf.string, name="color")
text_in = tf.keras.Input(shape=(1,), dtype=tf.string, name="text")
color_features = color_lookup(color_in)
tokens = vectorizer(text_in)
text_features = tf.keras.layers.GlobalAveragePooling1D()(
    tf.keras.layers.Embedding(vectorizer.vocabulary_size(), 8)(tokens))
merged = tf.keras.layers.concatenate([color_features, text_features])
hidden = tf.keras.layers.Dense(16, activation="relu")(merged)
output = tf.keras.layers.Dense(1, activation="sigmoid")(hidden)
model = tf.keras.Model({"color": color_in, "text": text_in}, output)
model.compile(optimizer=tf.keras.optimizers.Adam(2e-2), loss="binary_crossentropy",
              metrics=["accuracy"])

train_inputs = {"color": train_colors[:, None], "text": train_texts[:, None]}
test_inputs = {"color": test_colors[:, None], "text": test_texts[:, None]}
history = model.fit(train_inputs, train_labels, batch_size=32, epochs=10, verbose=0)
test_loss, test_accuracy = model.evaluate(test_inputs, test_labels, verbose=0)
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"test accuracy: {test_accuracy:.4f}")

model.save("preprocessing_model.keras")
reloaded = tf.keras.models.load_model("preprocessing_model.keras")
print("reloaded color vocabulary:",
      [str(word) for word in reloaded.get_layer("color_lookup").get_vocabulary()])
print("reloaded text vocabulary same:",
      reloaded.get_layer("vectorizer").get_vocabulary() == vectorizer.get_vocabulary())
raw = {"color": tf.constant([["blue"], ["red"], ["purple"]]),
       "text": tf.constant([["The item was awful!"], ["A lovely item"], ["Broken"]])}
original_predictions = model.predict(raw, verbose=0)
reloaded_predictions = reloaded.predict(raw, verbose=0)
print("raw predictions:", " ".join(f"{p:.3f}" for p in original_predictions[:, 0]))
print("reloaded difference:", float(np.max(np.abs(original_predictions - reloaded_predictions))))

inverse = tf.keras.layers.StringLookup(vocabulary=color_lookup.get_vocabulary(), invert=True)
print("inverse lookup:", [s.decode() for s in inverse(tf.constant([1, 2, 0])).numpy()])
