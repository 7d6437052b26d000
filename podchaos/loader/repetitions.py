"""A scenario's ``repeat:`` and ``repetitions:`` (expectations over all its runs)."""

from __future__ import annotations

from typing import Any

from podchaos.loader.fields import Reader, describe
from podchaos.model.repetitions import REPETITION_TYPES, PassRate, RepetitionExpectation

MAX_REPEAT = 100


def read_repeat(reader: Reader, value: Any) -> int:
    """``repeat: N``: run the scenario at least N times (1 to 100); 1 when absent."""
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:
        raise reader.fail("repeat", f"expected an integer from 1 to {MAX_REPEAT}, got {describe(value)}")
    return value


def read_repetitions(reader: Reader, value: Any) -> tuple[RepetitionExpectation, ...]:
    """``repetitions: [{type: pass-rate, atLeast: 0.9}, {type: recovery-within, ...}]``."""
    if value is None:
        return ()
    found: list[RepetitionExpectation] = []
    for index, item in enumerate(reader.sequence(value, "repetitions")):
        path = f"repetitions[{index}]"
        spec = reader.spec(item, path, REPETITION_TYPES, "repetition expectation")
        if isinstance(spec, PassRate):
            share_key, share = "atLeast", spec.at_least
        else:
            share_key, share = "share", spec.share
        if not 0 < share <= 1:
            raise reader.fail(
                f"{path}.{share_key}",
                f"expected a share of the runs above 0 and at most 1 (0.95), got {share:g}",
            )
        if spec in found:
            raise reader.fail(path, "the same expectation twice")
        found.append(spec)
    return tuple(found)
