"""Kubernetes byte quantities (``32Mi``, ``1G``, ``500k``) as numbers of bytes."""

from __future__ import annotations

import re

_QUANTITY_RE = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_FACTORS = {
    None: 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def bytes_of(quantity: str) -> int | None:
    """The number of bytes ``quantity`` stands for, or None when it is not a byte quantity."""
    match = _QUANTITY_RE.match(quantity.strip())
    if match is None:
        return None
    return int(float(match.group(1)) * _FACTORS[match.group(2)])
