"""Who owns each step of an application's life.

Every transition of the table in `states.py` belongs either to exactly one flow function (the
business step that makes it: a print run prints, a check-in receives, the liaison's approval
decides) or to the short list of steps `states.MANUAL` takes by hand, with a reason, on the
generic status route. A flow declares what it owns with `@owns`; `tests/core/test_step_owners.py`
walks the table and fails on a step with no owner or with two. The flow authorises its own actors;
`service.transition` checks only the table, and writes the event and the audit row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from secretariat.core.applications.states import TRANSITIONS, Status

Flow = TypeVar("Flow", bound=Callable)

OWNERS: dict[tuple[Status, Status], list[str]] = defaultdict(list)


def into(target: Status) -> list[tuple[Status, Status]]:
    """Every step the table allows into `target` (a decline may come from any state before payment)."""
    return [(source, target) for source, targets in TRANSITIONS.items() if target in targets]


def owns(*steps: tuple[Status, Status] | Iterable[tuple[Status, Status]]) -> Callable[[Flow], Flow]:
    """Mark the decorated flow as the one owner of `steps` ((source, target) pairs, or lists of them)."""
    pairs = [pair for step in steps for pair in ([step] if isinstance(step[0], Status) else step)]
    for source, target in pairs:
        if target not in TRANSITIONS[source]:
            raise ValueError(f"{source.value} -> {target.value} is not a step of the table")

    def register(flow: Flow) -> Flow:
        for pair in pairs:
            OWNERS[pair].append(f"{flow.__module__}.{flow.__qualname__}")
        flow.owns = tuple(pairs)
        return flow

    return register
