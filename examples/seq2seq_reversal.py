"""A sequence-to-sequence LSTM encoder-decoder learns to reverse digit strings.

The Keras "character-level seq2seq" pattern: the encoder LSTM returns its final states, which
initialise the decoder LSTM; training uses teacher forcing (the decoder reads the target shifted
right behind a start token). Inference rebuilds an encoder model and a one-step decoder model from
the trained layers and decodes greedily.
"""

import numpy as np

import eagerflow as tf

tf.keras.utils.set_random_seed(0)

LENGTH, NUM_DIGITS, START = 5, 8, 8     # digits 0..7, token 8 starts the decoder
VOCAB = NUM_DIGITS + 1
UNITS = 64

rng = np.random.default_rng(0)
sources = rng.integers(0, NUM_DIGITS, size=(3000, LENGTH)).astype("int32")
targets = sources[:, ::-1].copy()
decoder_inputs = np.concatenate([np.full((len(targets), 1), START), targets[:, :-1]], axis=1)
decoder_inputs = decoder_inputs.astype("int32")
n_train = 2700

encoder_inputs = tf.keras.Input(shape=(None,), name="source")
encoder_embedded = tf.keras.layers.Embedding(VOCAB, 16)(encoder_inputs)
_, state_h, state_c = tf.keras.layers.LSTM(UNITS, return_state=True)(encoder_embedded)
encoder_states = [state_h, state_c]

decoder_in = tf.keras.Input(shape=(None,), name="target_in")
decoder_embedding = tf.keras.layers.Embedding(VOCAB, 16)
decoder_lstm = tf.keras.layers.LSTM(UNITS, return_sequences=True, return_state=True)
decoder_dense = tf.keras.layers.Dense(VOCAB, activation="softmax")
decoder_sequence, _, _ = decoder_lstm(decoder_embedding(decoder_in), initial_state=encoder_states)
decoder_outputs = decoder_dense(decoder_sequence)
model = tf.keras.Model([encoder_inputs, decoder_in], decoder_outputs)

model.compile(optimizer=tf.keras.optimizers.Adam(1e-2),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit([sources[:n_train], decoder_inputs[:n_train]], targets[:n_train],
                    batch_size=64, epochs=12, verbose=0)

# Inference models share the trained layers.
encoder_model = tf.keras.Model(encoder_inputs, encoder_states)
state_h_in = tf.keras.Input(shape=(UNITS,))
state_c_in = tf.keras.Input(shape=(UNITS,))
step_sequence, step_h, step_c = decoder_lstm(decoder_embedding(decoder_in),
                                             initial_state=[state_h_in, state_c_in])
decoder_model = tf.keras.Model([decoder_in, state_h_in, state_c_in],
                               [decoder_dense(step_sequence), step_h, step_c])


def decode(source_batch):
    """Greedy decoding: feed back the most likely digit one step at a time."""
    h, c = encoder_model.predict(source_batch, verbose=0)
    token = np.full((len(source_batch), 1), START, dtype="int32")
    decoded = []
    for _ in range(LENGTH):
        probabilities, h, c = decoder_model.predict([token, h, c], verbose=0)
        token = np.argmax(probabilities[:, -1, :], axis=-1).astype("int32")[:, None]
        decoded.append(token[:, 0])
    return np.stack(decoded, axis=1)


test_sources, test_targets = sources[n_train:], targets[n_train:]
decoded = decode(test_sources)
teacher_loss, teacher_accuracy = model.evaluate(
    [test_sources, decoder_inputs[n_train:]], test_targets, verbose=0)
print("parameters:", model.count_params())
print("final train accuracy: {:.4f}".format(history.history["accuracy"][-1]))
print(f"teacher-forced test accuracy: {teacher_accuracy:.4f}")
print(f"greedy digit accuracy: {np.mean(decoded == test_targets):.4f}")
print(f"greedy sequence accuracy: {np.mean(np.all(decoded == test_targets, axis=1)):.4f}")
print("example:", test_sources[0].tolist(), "->", decoded[0].tolist())
