"""ops.quiet_fp: silences floating-point warnings as np.errstate(all="ignore") does, and
restores the caller's state (also after an exception)."""

import warnings

import numpy as np
import pytest

from eagerflow.ops.quiet_fp import quiet_call, quiet_off, quiet_on


def test_silent_inside_and_restored_after():
    with np.errstate(all="raise"):
        before = np.geterr()
        token = quiet_on()
        try:
            assert set(np.geterr().values()) == {"ignore"}
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                got = np.sqrt(np.array([-1.0, 4.0])) / np.array([1.0, 0.0])
        finally:
            quiet_off(token)
        assert np.geterr() == before
    assert np.isnan(got[0]) and got[1] == np.inf


def test_nested_in_errstate_keeps_the_buffer_size():
    size = np.getbufsize()
    np.setbufsize(16384)
    try:
        token = quiet_on()
        try:
            assert np.getbufsize() == 16384
        finally:
            quiet_off(token)
    finally:
        np.setbufsize(size)


def test_quiet_call_restores_after_an_exception():
    before = np.geterr()
    with pytest.raises(ValueError):
        quiet_call(np.add, np.ones(2), np.ones(3))
    assert np.geterr() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert quiet_call(np.log, np.float64(0.0)) == -np.inf
