"""Every step of an application's life has one owner: a flow function, or the manual route with a reason."""

import importlib

from secretariat.core.applications.ownership import MEANS, OWNERS
from secretariat.core.applications.states import MANUAL, TRANSITIONS

# Every module that holds flows; the composition root imports them all, this test names them so a
# flow module cannot hide from it.
FLOW_MODULES = ["secretariat.app", "secretariat.core.applications.declines", "secretariat.core.programmes.expiry",
                "mailroom.printing.runs", "mailroom.checkin.service", "mailroom.checkin.returns",
                "mailroom.checkin.flows", "mailroom.keying.flows", "exchange.targets.flows", "exchange.decisions.flows",
                "exchange.results.payments", "exchange.giftcodes.redemption", "callcenter.flows",
                "callcenter.inquiries.service", "online.flows"]


def steps() -> list[tuple]:
    return [(source, target) for source, targets in TRANSITIONS.items() for target in targets]


def load_flows() -> None:
    for name in FLOW_MODULES:
        importlib.import_module(name)


def test_every_step_of_the_table_has_an_owner_or_is_manual():
    load_flows()
    unowned = [f"{s.value} -> {t.value}" for s, t in steps() if not OWNERS.get((s, t)) and (s, t) not in MANUAL]
    assert unowned == []


def test_no_step_has_two_owners_by_the_same_means():
    """approved → paid by a bank's result file and by a gift-code redemption file are two business
    steps: each names its means of payment, and no two owners of a step share one."""
    load_flows()
    doubly = {f"{s.value} -> {t.value}": OWNERS[(s, t)] for s, t in steps()
              if len({MEANS.get(owner, "") for owner in OWNERS.get((s, t), [])}) < len(OWNERS.get((s, t), []))}
    assert doubly == {}


def test_a_manual_step_belongs_to_no_flow():
    load_flows()
    both = {f"{s.value} -> {t.value}": OWNERS[(s, t)] for s, t in MANUAL if OWNERS.get((s, t))}
    assert both == {}


def test_every_manual_step_is_a_step_of_the_table():
    assert [pair for pair in MANUAL if pair[1] not in TRANSITIONS[pair[0]]] == []
