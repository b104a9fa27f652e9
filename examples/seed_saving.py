"""The seed's saving snippets (with its typos corrected), on a small Sequential model."""

import numpy as np

import eagerflow as tf

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
x = np.random.default_rng(0).standard_normal((64, 8)).astype("float32")
y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0).astype("int32")
model.fit(x, y, epochs=2, verbose=0)
tf.keras.utils.plot_model(model, to_file="model.png")

file_path = './weigth/model'
model.save_weights('./weigth/model')  # save
model.load_weights(file_path)         # restore

json_string = model.to_json()                     # save
model = tf.keras.models.model_from_json(json_string)  # restore

yaml_string = model.to_yaml()                     # save
model = tf.keras.models.model_from_yaml(yaml_string)  # restore

model.load_weights(file_path)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.save('model.h5')                        # save
model = tf.keras.models.load_model('model.h5')  # restore
print("restored accuracy:", model.evaluate(x, y, verbose=0)[1])
