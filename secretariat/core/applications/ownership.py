"""Who owns each step of an application's life.

Every transition of the table in `states.py` belongs either to exactly one flow function (the
business step that makes it: a print run prints, a check-in receives, the liaison's approval
decides) or to the short list of steps `states.MANUAL` takes by hand, with a reason, on the
generic status route. A flow declares what it owns with `@owns`; `tests/core/test_step_owners.py`
walks the table and fails on a step with no owner or with two. One step of the table may be taken by two
business steps that differ only in the means of payment (approved → paid by a bank's result file, or
by a gift-code provider's redemption file): each such flow names its `means`, and the rule is one
owner per step and means (the unnamed means is the bank transfer). The flow authorises its own actors;
`service.transition` checks only the table, and writes the event and the audit row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from secretariat.core.applications.states import TRANSITIONS, Status

Flow = TypeVar("Flow", bound=Callable)

OWNERS: dict[tuple[Status, Status], list[str]] = defaultdict(list)
MEANS: dict[str, str] = {}  # owner → the means of payment it takes its steps by, when not the bank transfer


def into(target: Status) -> list[tuple[Status, Status]]:
    """Every step the table allows into `target` (a decline may come from any state before payment)."""
    return [(source, target) for source, targets in TRANSITIONS.items() if target in targets]


def owns(*steps: tuple[Status, Status] | Iterable[tuple[Status, Status]], means: str = "") -> Callable[[Flow], Flow]:
    """Mark the decorated flow as the one owner of `steps` ((source, target) pairs, or lists of them),
    taken by `means` when another flow owns the same steps by the bank transfer (e.g. "gift_code")."""
    pairs = [pair for step in steps for pair in ([step] if isinstance(step[0], Status) else step)]
    for source, target in pairs:
        if target not in TRANSITIONS[source]:
            raise ValueError(f"{source.value} -> {target.value} is not a step of the table")

    def register(flow: Flow) -> Flow:
        name = f"{flow.__module__}.{flow.__qualname__}"
        for pair in pairs:
            OWNERS[pair].append(name)
        if means:
            MEANS[name] = means
        flow.owns = tuple(pairs)
        return flow

    return register
