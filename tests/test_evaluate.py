"""`make eval`'s reading of a parsed message: the classifier's own best intent."""

from bot.evaluate import macro_f1, top_intent


def _parsed(ranking, net=None):
    out = {"intent": ranking[0], "intent_ranking": ranking}
    if net:
        out["safety_net"] = net
    return out


def test_top_intent_looks_past_the_fallback() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "thanks", "confidence": 0.28}]
    assert top_intent(_parsed(ranking)) == ("thanks", 0.28)


def test_top_intent_looks_past_a_safety_net_override() -> None:
    ranking = [{"name": "crisis_violence", "confidence": 1.0}, {"name": "rights_work", "confidence": 0.6}]
    net = {"intent": "crisis_violence", "language": "en", "classifier": "rights_work"}
    assert top_intent(_parsed(ranking, net)) == ("rights_work", 0.6)


def test_top_intent_keeps_the_classifiers_crisis_when_the_net_agrees() -> None:
    # The net matched but the classifier had already chosen a crisis intent: nothing was
    # put in front of the classifier's ranking.
    ranking = [
        {"name": "crisis_self_harm", "confidence": 0.9},
        {"name": "find_mental_health", "confidence": 0.05},
    ]
    net = {"intent": "crisis_self_harm", "language": "sv", "classifier": "crisis_self_harm"}
    assert top_intent(_parsed(ranking, net)) == ("crisis_self_harm", 0.9)


def test_macro_f1_counts_a_fallback_as_a_miss() -> None:
    assert macro_f1(["a", "b"], ["a", "b"]) == 1.0
    assert macro_f1(["a", "b"], ["a", "nlu_fallback"]) == 0.5
