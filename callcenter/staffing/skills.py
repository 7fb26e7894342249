"""Languages as skills: how many agents of each skill set (日本語のみ, 日本語+英語, …) one interval needs.

A bilingual agent can take a call in either language but only one call at a time, so counting
them once for each language would staff too thin. The constraint that holds: for every group of
languages, the agents who speak any of them must be enough for those languages' calls pooled
(Erlang C on the pooled traffic). The cheapest mix meeting all of them is found with CP-SAT.
"""

from __future__ import annotations

from itertools import combinations

from ortools.sat.python import cp_model

from callcenter.staffing.erlang import required_agents


def language_mix(*, calls: dict[str, float], skill_sets: list[frozenset[str]], interval_s: float, aht_s: float,
                 target_s: float, service_level: float, costs: dict[frozenset[str], int] | None = None
                 ) -> dict[frozenset[str], int]:
    languages = [language for language, count in calls.items() if count > 0]
    model = cp_model.CpModel()
    agents = {skills: model.new_int_var(0, 10_000, "+".join(sorted(skills))) for skills in skill_sets}
    for size in range(1, len(languages) + 1):
        for group in combinations(languages, size):
            pooled = sum(calls[language] for language in group)
            need = required_agents(calls=pooled, interval_s=interval_s, aht_s=aht_s, target_s=target_s,
                                   service_level=service_level).agents
            able = [agents[skills] for skills in skill_sets if skills & set(group)]
            if not able:
                raise ValueError(f"no skill set speaks {', '.join(group)}")
            model.add(sum(able) >= need)
    costs = costs or {skills: 100 + 10 * (len(skills) - 1) for skills in skill_sets}  # bilinguals cost a little more
    model.minimize(sum(costs[skills] * variable for skills, variable in agents.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError("no mix of these skill sets covers the calls")
    return {skills: int(solver.value(variable)) for skills, variable in agents.items()}
