from callcenter.staffing.erlang import required_agents
from callcenter.staffing.skills import language_mix

JA, EN, JA_EN = frozenset({"ja"}), frozenset({"en"}), frozenset({"ja", "en"})
INTERVAL = dict(interval_s=1800, aht_s=180, target_s=20, service_level=0.8)


def need(calls):
    return required_agents(calls=calls, **INTERVAL).agents


def test_a_bilingual_agent_is_not_counted_twice():
    mix = language_mix(calls={"ja": 100, "en": 10}, skill_sets=[JA, EN, JA_EN], **INTERVAL)
    total = sum(mix.values())
    assert total >= need(110)  # everyone together must carry the pooled traffic
    assert mix[JA] + mix[JA_EN] >= need(100) and mix[EN] + mix[JA_EN] >= need(10)
    # pooling lets a few bilinguals cover English: fewer heads than two separate teams
    assert total < need(100) + need(10)


def test_without_bilinguals_each_language_has_its_own_team():
    mix = language_mix(calls={"ja": 100, "en": 10}, skill_sets=[JA, EN], **INTERVAL)
    assert mix == {JA: need(100), EN: need(10)}
