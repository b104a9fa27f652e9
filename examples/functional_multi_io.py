"""A functional model with three inputs and two outputs, trained with loss and metric dicts.

The TF 2 guide "The Functional API" (ticket ranking): a title and a body (token sequences) and
binary tags predict a priority score and a department, on generated tickets whose targets follow
simple rules the model can learn.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

num_tags = 12  # Number of unique issue tags
num_words = 100  # Size of vocabulary obtained when preprocessing text data
num_departments = 4  # Number of departments for predictions

title_input = tf.keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
body_input = tf.keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
tags_input = tf.keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

# Embed each word in the title and in the body into an 8-dimensional vector
title_features = tf.keras.layers.Embedding(num_words, 8)(title_input)
body_features = tf.keras.layers.Embedding(num_words, 8)(body_input)
# Reduce the sequence of embedded words into a single vector
title_features = tf.keras.layers.LSTM(16)(title_features)
body_features = tf.keras.layers.LSTM(8)(body_features)

x = tf.keras.layers.concatenate([title_features, body_features, tags_input])
priority_pred = tf.keras.layers.Dense(1, activation="sigmoid", name="priority")(x)
department_pred = tf.keras.layers.Dense(num_departments, name="department")(x)

model = tf.keras.Model(inputs=[title_input, body_input, tags_input],
                       outputs=[priority_pred, department_pred])

model.compile(
    optimizer=tf.keras.optimizers.Adam(1e-2),
    loss={
        "priority": tf.keras.losses.BinaryCrossentropy(),
        "department": tf.keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.5},
    metrics={"priority": ["mae"], "department": ["accuracy"]},
)

# Generated tickets: the priority is the share of "urgent" words (ids below 20) in the title;
# the department is the tag group (of 3 tags each) holding the most tags.
rng = np.random.default_rng(0)
title_data = rng.integers(0, num_words, size=(1024, 6))
body_data = rng.integers(0, num_words, size=(1024, 10))
tags_data = rng.integers(0, 2, size=(1024, num_tags)).astype("float32")
priority_targets = (title_data < 20).mean(axis=1, keepdims=True).astype("float32")
group_counts = tags_data.reshape(1024, num_departments, 3).sum(axis=2)
dept_targets = tf.keras.utils.to_categorical(np.argmax(group_counts, axis=1), num_departments)

history = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=8,
    batch_size=64,
    validation_split=0.25,
    verbose=0,
)
results = model.evaluate({"title": title_data, "body": body_data, "tags": tags_data},
                         {"priority": priority_targets, "department": dept_targets},
                         verbose=0, return_dict=True)
priority, department = model.predict([title_data[:3], body_data[:3], tags_data[:3]], verbose=0)

print("history keys:", sorted(history.history))
for name in sorted(results):
    print(f"{name}: {results[name]:.4f}")
print("priority predictions:", [round(float(p), 2) for p in priority[:, 0]],
      "targets:", [round(float(t), 2) for t in priority_targets[:3, 0]])
print("department shape:", department.shape)
