"""Linear algebra: values vs NumPy, shape rules, gradients vs finite differences, errors."""

import time

import numpy as np
import pytest

import eagerflow as tf
from tests.harness import OpCase, check_case

rng = np.random.RandomState(0)


def f32(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def well_conditioned(n, batch=()):
    return (f32(*batch, n, n, low=-0.3, high=0.3) + 2 * np.eye(n, dtype=np.float32))


def spd(n):
    a = f32(n, n)
    return (a @ a.T + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def lower(n):
    return np.tril(well_conditioned(n)).astype(np.float32)


def _sym_chol(x):
    """cholesky of the symmetric part: finite differences then see a symmetric function."""
    return tf.linalg.cholesky(0.5 * (x + tf.linalg.matrix_transpose(x)))


def _np_chol(x):
    return np.linalg.cholesky(0.5 * (x + x.T))


def _sym_eigh(x):
    """eigh of the symmetric part; eigenvectors squared (their sign is arbitrary)."""
    e, v = tf.linalg.eigh(0.5 * (x + tf.linalg.matrix_transpose(x)))
    return e, v * v


def _np_sym_eigh(x):
    e, v = np.linalg.eigh(0.5 * (x + x.T))
    return [e, v * v]


A23, B34, A234 = f32(2, 3), f32(3, 4), f32(2, 3, 4)

CASES = [
    # matmul
    OpCase("matmul", tf.matmul, (A23, B34), np.matmul, order=2),
    OpCase("matmul_transpose_a", tf.matmul, (f32(3, 2), B34),
           lambda a, b, transpose_a: a.T @ b, kwargs={"transpose_a": True}, order=2),
    OpCase("matmul_transpose_b", tf.matmul, (A23, f32(4, 3)),
           lambda a, b, transpose_b: a @ b.T, kwargs={"transpose_b": True}, order=2),
    OpCase("matmul_transpose_both", tf.matmul, (f32(3, 2), f32(4, 3)),
           lambda a, b, **k: a.T @ b.T, kwargs={"transpose_a": True, "transpose_b": True}),
    OpCase("matmul_adjoint_real", tf.matmul, (f32(3, 2), f32(4, 3)),
           lambda a, b, **k: a.T @ b.T, kwargs={"adjoint_a": True, "adjoint_b": True}),
    OpCase("matmul_batched", tf.matmul, (A234, f32(2, 4, 5)), np.matmul, order=2),
    OpCase("matmul_batch_broadcast", tf.matmul, (f32(2, 1, 3, 4), f32(3, 4, 2)), np.matmul,
           order=2),
    OpCase("matmul_rank2_rank3", tf.matmul, (A23, f32(2, 3, 2)), np.matmul),
    OpCase("matmul_rank3_rank2", tf.matmul, (A234, f32(4, 2)), np.matmul, order=2),
    OpCase("matmul_rank4_rank2_transpose_b", tf.matmul, (f32(2, 2, 3, 4), f32(2, 4)),
           lambda a, b, transpose_b: a @ b.T, kwargs={"transpose_b": True}, order=2),
    OpCase("matmul_batched_transpose", tf.matmul, (f32(2, 4, 3), f32(1, 2, 4)),
           lambda a, b, **k: np.swapaxes(a, -1, -2) @ np.swapaxes(b, -1, -2),
           kwargs={"transpose_a": True, "transpose_b": True}),
    OpCase("matmul_int32", tf.matmul, (np.arange(6, dtype=np.int32).reshape(2, 3),
                                       np.arange(12, dtype=np.int32).reshape(3, 4)), np.matmul),
    OpCase("matmul_float16", tf.matmul, (A23.astype(np.float16), B34.astype(np.float16)),
           lambda a, b: (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16),
           rtol=1e-3, atol=1e-3, grad=()),
    OpCase("matmul_complex_adjoint", tf.matmul,
           ((A23 + 1j * f32(2, 3)).astype(np.complex64), (A23 - 2j * f32(2, 3)).astype(
               np.complex64)),
           lambda a, b, adjoint_a: a.conj().T @ b, kwargs={"adjoint_a": True}, grad=()),
    OpCase("matvec", tf.linalg.matvec, (A234, f32(2, 4)),
           lambda a, b: np.einsum("bij,bj->bi", a, b), order=2),
    OpCase("matvec_transpose", tf.linalg.matvec, (A23, f32(2)),
           lambda a, b, transpose_a: a.T @ b, kwargs={"transpose_a": True}),
    # tensordot and einsum
    OpCase("tensordot_int", tf.tensordot, (A234, f32(4, 5)),
           lambda a, b, axes: np.tensordot(a, b, axes), kwargs={"axes": 1}, order=2),
    OpCase("tensordot_pairs", tf.tensordot, (A234, f32(4, 3, 2)),
           lambda a, b, axes: np.tensordot(a, b, axes), kwargs={"axes": [[1, 2], [1, 0]]}),
    OpCase("tensordot_outer", tf.tensordot, (f32(2), f32(3)),
           lambda a, b, axes: np.tensordot(a, b, axes), kwargs={"axes": 0}),
    OpCase("einsum_matmul", lambda a, b: tf.einsum("ij,jk->ik", a, b), (A23, B34),
           lambda a, b: a @ b, order=2),
    OpCase("einsum_implicit", lambda a, b: tf.einsum("ij,jk", a, b), (A23, B34),
           lambda a, b: a @ b),
    OpCase("einsum_batch", lambda a, b: tf.einsum("bij,bkj->bik", a, b), (A234, f32(2, 5, 4)),
           lambda a, b: np.einsum("bij,bkj->bik", a, b), order=2),
    OpCase("einsum_ellipsis_broadcast", lambda a, b: tf.einsum("...ij,...jk->...ik", a, b),
           (f32(2, 1, 2, 3), f32(3, 3, 4)),
           lambda a, b: np.einsum("...ij,...jk->...ik", a, b)),
    OpCase("einsum_inner_ellipsis", lambda a, b: tf.einsum("i...j,j->i...", a, b),
           (f32(2, 3, 1, 4), f32(4)), lambda a, b: np.einsum("i...j,j->i...", a, b)),
    OpCase("einsum_sum_lonely_index", lambda a, b: tf.einsum("ij,k->ik", a, b), (A23, f32(4)),
           lambda a, b: np.einsum("ij,k->ik", a, b), order=2),
    OpCase("einsum_transpose", lambda a: tf.einsum("ijk->kji", a), (A234,),
           lambda a: np.transpose(a)),
    OpCase("einsum_full_sum", lambda a: tf.einsum("ij->", a), (A23,), np.sum),
    OpCase("einsum_outer", lambda a, b: tf.einsum("i,j->ij", a, b), (f32(2), f32(3)), np.outer),
    OpCase("einsum_three", lambda a, b, c: tf.einsum("ij,jk,kl->il", a, b, c),
           (A23, B34, f32(4, 2)), lambda a, b, c: a @ b @ c, order=2),
    OpCase("einsum_diagonal", lambda a: tf.einsum("ii->i", a), (f32(3, 3),),
           lambda a: np.diagonal(a).copy(), grad=()),
    # norms
    OpCase("norm_default", tf.norm, (A234,), lambda x: np.linalg.norm(x.ravel()), order=2),
    OpCase("norm_axis", tf.norm, (A234,), lambda x, axis: np.linalg.norm(x, axis=-1),
           kwargs={"axis": -1}),
    OpCase("norm_ord1", tf.norm, (A23,), lambda x, ord, axis: np.linalg.norm(x, 1, axis=1),
           kwargs={"ord": 1, "axis": 1}),
    OpCase("norm_inf_keepdims", tf.norm, (A23,),
           lambda x, ord, axis, keepdims: np.max(np.abs(x), axis=0, keepdims=True),
           kwargs={"ord": np.inf, "axis": 0, "keepdims": True}, grad=()),
    OpCase("norm_p3", tf.norm, (A23,), lambda x, ord: np.sum(np.abs(x) ** 3) ** (1 / 3),
           kwargs={"ord": 3}),
    OpCase("norm_fro_matrix", tf.norm, (A234,),
           lambda x, ord, axis: np.linalg.norm(x, "fro", axis=(1, 2)),
           kwargs={"ord": "fro", "axis": [1, 2]}),
    OpCase("norm_matrix_1", tf.norm, (f32(2, 3, 3),),
           lambda x, ord, axis: np.linalg.norm(x, 1, axis=(-2, -1)),
           kwargs={"ord": 1, "axis": (-2, -1)}, grad=()),
    OpCase("norm_matrix_inf", tf.norm, (f32(3, 4),),
           lambda x, ord, axis: np.linalg.norm(x, np.inf, axis=(0, 1)),
           kwargs={"ord": np.inf, "axis": (0, 1)}, grad=()),
    # square-matrix functions
    OpCase("inv", tf.linalg.inv, (well_conditioned(3),), np.linalg.inv, rtol=1e-4,
           atol=1e-5, order=2),
    OpCase("inv_batched_adjoint", tf.linalg.inv, (well_conditioned(3, (2,)),),
           lambda x, adjoint: np.linalg.inv(np.swapaxes(x, -1, -2)), kwargs={"adjoint": True},
           rtol=1e-4, atol=1e-5),
    OpCase("det", tf.linalg.det, (well_conditioned(3),), np.linalg.det, rtol=1e-4, order=2),
    OpCase("det_batched", tf.linalg.det, (well_conditioned(2, (3,)),), np.linalg.det, rtol=1e-4),
    OpCase("slogdet", lambda x: tf.linalg.slogdet(x),
           (f32(2, 3, 3) + 3 * np.eye(3, dtype=np.float32),),
           lambda x: list(np.linalg.slogdet(x)), rtol=1e-4),
    OpCase("logdet", tf.linalg.logdet, (spd(3),), lambda x: np.linalg.slogdet(x)[1], rtol=1e-4),
    OpCase("cholesky", _sym_chol, (spd(3),), _np_chol, rtol=1e-4, atol=1e-5, order=2),
    OpCase("cholesky_batched", _sym_chol, (np.stack([spd(3), spd(3)]),),
           lambda x: np.linalg.cholesky(0.5 * (x + np.swapaxes(x, -1, -2))), rtol=1e-4,
           atol=1e-5),
    OpCase("solve", tf.linalg.solve, (well_conditioned(3), f32(3, 2)), np.linalg.solve,
           rtol=1e-4, atol=1e-5, order=2),
    OpCase("solve_adjoint", tf.linalg.solve, (well_conditioned(3), f32(3, 2)),
           lambda a, b, adjoint: np.linalg.solve(a.T, b), kwargs={"adjoint": True},
           rtol=1e-4, atol=1e-5),
    OpCase("solve_batched", tf.linalg.solve, (well_conditioned(2, (2,)), f32(2, 2, 3)),
           np.linalg.solve, rtol=1e-4, atol=1e-5),
    OpCase("triangular_solve", tf.linalg.triangular_solve, (lower(3), f32(3, 2)),
           np.linalg.solve, rtol=1e-4, atol=1e-5),
    OpCase("triangular_solve_upper_adjoint", tf.linalg.triangular_solve,
           (well_conditioned(3), f32(3, 2)),
           lambda a, b, lower, adjoint: np.linalg.solve(np.triu(a).T, b),
           kwargs={"lower": False, "adjoint": True}, rtol=1e-4, atol=1e-5),
    OpCase("cholesky_solve", tf.linalg.cholesky_solve,
           (np.linalg.cholesky(spd(3)).astype(np.float32), f32(3, 1)),
           lambda c, b: np.linalg.solve(c @ c.T, b), rtol=1e-4, atol=1e-5, grad=(1,)),
    # diagonals, bands, transposes
    OpCase("diag", tf.linalg.diag, (f32(2, 3),), lambda x: np.eye(3) * x[:, None, :],
           check_dtype=False, order=2),
    OpCase("diag_part", tf.linalg.diag_part, (f32(2, 3, 4),),
           lambda x: np.diagonal(x, axis1=-2, axis2=-1), order=2),
    OpCase("diag_k_above", lambda v: tf.linalg.diag(v, k=1), (f32(2, 3),),
           lambda v: np.stack([np.diag(r, 1) for r in v]), order=2),
    OpCase("diag_k_below_padded",
           lambda v: tf.linalg.diag(v, k=-1, num_rows=4, num_cols=5, padding_value=7.0),
           (f32(3),), lambda v: np.where(np.eye(4, 5, -1) > 0,
                                         np.pad(np.diag(v, -1), ((0, 0), (0, 1)))[:4, :5], 7.0)),
    OpCase("diag_part_k", lambda x: tf.linalg.diag_part(x, k=-1), (f32(2, 3, 4),),
           lambda x: np.diagonal(x, -1, axis1=-2, axis2=-1), order=2),
    OpCase("set_diag_k", lambda x, d: tf.linalg.set_diag(x, d, k=2), (f32(3, 4), f32(2)),
           lambda x, d: np.where(np.eye(3, 4, 2) > 0, np.diag(d, 2)[:3, :4], x)),
    OpCase("set_diag", tf.linalg.set_diag, (f32(2, 3, 3), f32(2, 3)),
           lambda x, d: x * (1 - np.eye(3)) + np.eye(3) * d[:, None, :], check_dtype=False),
    OpCase("band_part", tf.linalg.band_part, (f32(4, 5), 1, 2),
           lambda x, lo, up: np.triu(np.tril(x, up), -lo)),
    OpCase("band_part_lower", tf.linalg.band_part, (f32(2, 4, 4), -1, 0),
           lambda x, lo, up: np.tril(x)),
    OpCase("trace", tf.linalg.trace, (f32(2, 3, 3),),
           lambda x: np.trace(x, axis1=-2, axis2=-1)),
    OpCase("matrix_transpose", tf.linalg.matrix_transpose, (A234,),
           lambda x: np.swapaxes(x, -1, -2), order=2),
    OpCase("adjoint_complex", tf.linalg.adjoint, ((A23 + 1j * A23).astype(np.complex64),),
           lambda x: x.conj().T, grad=()),
    OpCase("norm_spectral", tf.norm, (f32(3, 2, 4),),
           lambda x, ord, axis: np.linalg.norm(x, 2, axis=(1, 0)).astype(np.float32),
           kwargs={"ord": 2, "axis": [1, 0]}, grad=(), rtol=1e-4),
    OpCase("norm_spectral_keepdims", tf.norm, (f32(2, 3, 4),),
           lambda x, ord, axis, keepdims: np.linalg.norm(x, 2, axis=(0, 2), keepdims=True
                                                         ).astype(np.float32),
           kwargs={"ord": 2, "axis": [0, 2], "keepdims": True}, grad=(), rtol=1e-4),
    OpCase("eigh", _sym_eigh, (spd(3),), _np_sym_eigh, rtol=1e-4, atol=1e-5),
    OpCase("eigvalsh", tf.linalg.eigvalsh, (np.stack([spd(3), spd(3)]),),
           np.linalg.eigvalsh, rtol=1e-4, grad=()),
    OpCase("lstsq_tall", tf.linalg.lstsq, (f32(5, 3), f32(5, 2)),
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-3, atol=1e-4),
    OpCase("lstsq_wide_regularized", tf.linalg.lstsq, (f32(2, 4), f32(2, 1)),
           lambda a, b, l2_regularizer: (a.T @ np.linalg.solve(a @ a.T + 0.1 * np.eye(2), b)
                                         ).astype(np.float32),
           kwargs={"l2_regularizer": 0.1}, rtol=1e-3, atol=1e-4),
    OpCase("cross", tf.linalg.cross, (f32(2, 3), f32(3)), np.cross, order=2),
    OpCase("normalize", lambda x: tf.linalg.normalize(x, axis=1), (A23,),
           lambda x: [x / np.linalg.norm(x, axis=1, keepdims=True),
                      np.linalg.norm(x, axis=1, keepdims=True)]),
    OpCase("global_norm", lambda a, b: tf.linalg.global_norm([a, None, b]), (A23, B34),
           lambda a, b: np.sqrt(np.sum(a * a) + np.sum(b * b))),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_op(case):
    check_case(case)


def test_decompositions():
    x = f32(4, 3)
    q, r = tf.linalg.qr(x)
    assert q.shape == (4, 3) and r.shape == (3, 3)
    np.testing.assert_allclose((q @ r).numpy(), x, atol=1e-5)
    np.testing.assert_allclose(np.tril(r.numpy(), -1), 0, atol=1e-6)
    s, u, v = tf.linalg.svd(x)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(x, compute_uv=False), rtol=1e-5)
    np.testing.assert_allclose((u @ tf.linalg.diag(s) @ tf.linalg.adjoint(v)).numpy(), x,
                               atol=1e-5)
    assert tf.linalg.svd(x, compute_uv=False).shape == (3,)
    q, r = tf.linalg.qr(x, full_matrices=True)
    assert q.shape == (4, 4) and r.shape == (4, 3)


def test_matmul_operator_and_dtypes():
    a = tf.constant([[1.0, 2.0]])
    b = tf.constant([[3.0], [4.0]])
    assert (a @ b).numpy()[0, 0] == 11.0
    assert tf.matmul(tf.constant([[1, 2]]), tf.constant([[3], [4]])).dtype == tf.int32
    assert tf.matmul(a, b).dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
        tf.matmul(a, tf.constant([[3.0], [4.0]], tf.float64))


def test_matmul_gradient_unbroadcasts_batch_dims():
    a = tf.constant(f32(4, 2, 3))
    b = tf.constant(f32(3, 5))
    with tf.GradientTape() as tape:
        tape.watch(b)
        y = tf.reduce_sum(tf.matmul(a, b))
    gb = tape.gradient(y, b)
    assert gb.shape == (3, 5)
    np.testing.assert_allclose(gb.numpy(), np.broadcast_to(
        a.numpy().sum(axis=(0, 1))[:, None], (3, 5)), rtol=1e-5)


def test_det_gradient_is_cofactor():
    x = tf.constant([[2.0, 1.0], [1.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        d = tf.linalg.det(x)
    np.testing.assert_allclose(tape.gradient(d, x).numpy(), [[3.0, -1.0], [-1.0, 2.0]],
                               rtol=1e-6)


def test_namespaces():
    assert tf.linalg.matmul is tf.matmul and tf.linalg.einsum is tf.einsum
    assert tf.linalg.tensordot is tf.tensordot and tf.linalg.norm is tf.norm
    for name in ("inv", "det", "slogdet", "cholesky", "solve", "triangular_solve", "diag",
                 "diag_part", "band_part", "trace", "matrix_transpose", "adjoint", "matvec"):
        assert callable(getattr(tf.linalg, name)), name
    if hasattr(tf, "eye"):
        assert tf.linalg.eye is tf.eye


# --- errors -----------------------------------------------------------------------------------
def test_matmul_shape_errors_name_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[2, 3\].*\[4, 5\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Matrix size-incompatible"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]), transpose_a=False)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 2"):
        tf.matmul(tf.ones([3]), tf.ones([3, 4]))
    with pytest.raises(ValueError, match="transpose_a and adjoint_a"):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]), transpose_a=True, adjoint_a=True)


def test_linalg_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(tf.zeros([2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        tf.linalg.det(tf.ones([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky"):
        tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same number of rows"):
        tf.linalg.solve(tf.eye(2) if hasattr(tf, "eye") else tf.ones([2, 2]), tf.ones([3, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="einsum"):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([4, 5]))
    with pytest.raises(ValueError, match="inputs"):
        tf.einsum("ij,jk->ik", tf.ones([2, 3]))
    with pytest.raises(ValueError, match="axis 5|out of range"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([3, 2]), [[5], [0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not match"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([4, 2]), 1)
    with pytest.raises(ValueError, match="matrix norm"):
        tf.norm(tf.ones([2, 2]), ord=3, axis=[0, 1])


@pytest.mark.slow
def test_matmul_speed_matches_numpy():
    a = np.random.rand(1024, 1024).astype(np.float32)
    b = np.random.rand(1024, 1024).astype(np.float32)
    ta, tb = tf.constant(a), tf.constant(b)

    def best(fn):
        fn()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    ours = best(lambda: tf.matmul(ta, tb, transpose_b=True))
    numpy = best(lambda: np.matmul(a, b.T))
    assert ours < 1.2 * numpy + 1e-3, (ours, numpy)


@pytest.mark.parametrize("name", ["matmul", "matmul_t", "einsum", "tensordot", "inv", "det",
                                  "cholesky", "solve", "diag_part", "norm"])
def test_gradients_traced_with_unknown_dims(name):
    """Gradient rules also work inside tf.function when the batch dim is unknown (None)."""
    w = tf.constant(f32(3, 3))
    fn = {
        "matmul": lambda t: tf.matmul(t, w), "matmul_t": lambda t: tf.matmul(w, t, adjoint_b=True),
        "einsum": lambda t: tf.einsum("bij,jk->bik", t, w),
        "tensordot": lambda t: tf.tensordot(t, w, [[2], [0]]),
        "inv": tf.linalg.inv, "det": tf.linalg.det,
        "cholesky": lambda t: tf.linalg.cholesky(tf.matmul(t, t, transpose_b=True) + 3.0),
        "solve": lambda t: tf.linalg.solve(t, tf.ones_like(t)),
        "diag_part": tf.linalg.diag_part, "norm": lambda t: tf.norm(t, axis=[-2, -1]),
    }[name]

    def gradient(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(tf.sin(fn(t)))
        return tape.gradient(y, t)

    x = tf.constant(well_conditioned(3, (2,)))
    signature = [tf.TensorSpec([None, 3, 3], tf.float32)]
    traced = tf.function(gradient, input_signature=signature)
    np.testing.assert_allclose(traced(x).numpy(), gradient(x).numpy(), rtol=1e-4, atol=1e-5)


def test_gradient_rules_satisfy_shape_rules():
    """The primitives emitted by gradient rules pass their shape rules too."""
    from tests.harness import EXERCISED, run_with_shape_checks

    def grad(fn, x):
        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(fn(x))
        return tape.gradient(y, x).numpy()

    x = well_conditioned(3, (2,))
    cases = [
        tf.linalg.diag_part, tf.linalg.det, lambda t: tf.linalg.slogdet(t)[1], _sym_chol_batch,
        lambda t: tf.linalg.triangular_solve(t, tf.ones([2, 3, 1])),
        lambda t: tf.einsum("bij,jk->bik", t, tf.ones([3, 2])),
        lambda t: tf.einsum("...ij,j->...", t, tf.ones([3])),
        lambda t: tf.matmul(t, tf.ones([3, 2]), transpose_a=True),
        lambda t: tf.linalg.eigh(0.5 * (t + tf.linalg.adjoint(t)))[0],
    ]
    for fn in cases:
        np.testing.assert_allclose(run_with_shape_checks(grad, fn, x), grad(fn, x), rtol=1e-5)
    assert {"matrix_set_diag", "matrix_band_part", "einsum", "solve", "eigh"} <= EXERCISED


def _sym_chol_batch(x):
    return tf.linalg.cholesky(tf.matmul(x, x, transpose_b=True))
