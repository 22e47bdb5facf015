"""The allocation of a case to an arm of a trial: deterministic per case, from the trial's
recorded seed and the case's crime reference, so the same seed and cases always give the
same allocation, whatever order the cases arrive in (cases reported later are allocated
the same way). No Django here."""

from __future__ import annotations

import hashlib

TREATED = "treated"
CONTROL = "control"


def allocation_draw(*, seed: int, reference: str) -> float:
    """A number in [0, 1) drawn from SHA-256 of the seed and the case reference."""
    digest = hashlib.sha256(f"{seed}:{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def allocation_arm(*, seed: int, reference: str, treated_parts: int, control_parts: int) -> str:
    """ "treated" when the draw falls below the treated share of the ratio
    ``treated_parts``:``control_parts``, else "control"."""
    if treated_parts < 1 or control_parts < 1:
        raise ValueError("an allocation ratio needs at least one part on each side")
    share = treated_parts / (treated_parts + control_parts)
    return TREATED if allocation_draw(seed=seed, reference=reference) < share else CONTROL
