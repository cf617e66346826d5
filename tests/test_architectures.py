"""One taxonomy everywhere: the architectures of data/architectures.json, as the cards, the fleet,
the privacy audit, the exercises and every quiz bank use them."""

import json
import re
from pathlib import Path

import pytest

from utils import architectures, fleet, privacy, scenarios
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
IDS = ["cloud-only", "edge", "hybrid", "cloud-assisted"]
# How a text names each architecture as a design (bare "edge" also means "edge AI" in general).
NAMED = {"cloud-only": r"\bcloud-only\b", "cloud-assisted": r"\bcloud-assisted\b", "hybrid": r"\bhybrid\b",
         "edge": r"\bedge(?: ai)? (?:design|architecture)\b"}
RETIRED = re.compile(r"\bedge[- ]only\b", re.IGNORECASE)


def _banks():
    return sorted((ROOT / "data" / "quizzes").glob("*.json"))


def _questions():
    for path in _banks():
        for q in json.loads(path.read_text(encoding="utf-8"))["questions"]:
            yield path.name, q


def _key_text(q) -> str:
    """What a question teaches as right: its explanation and its correct options with their feedback."""
    right = [o for o in q.get("options", []) if o.get("correct")]
    if "answer" in q and isinstance(q["answer"], int) and q.get("type") == "predict":
        right = [q["options"][q["answer"]]]
    return " ".join([q.get("explanation", "")] + [o.get("text", "") + " " + o.get("feedback", "") for o in right])


def test_the_four_architectures_in_teaching_order():
    assert architectures.ids() == IDS
    assert architectures.simulated() == ("cloud-only", "edge", "hybrid")
    for a in architectures.catalog():
        assert a.decides and a.sends_up and a.cloud_role and a.offline and a.example and a.summary


def test_unknown_architecture_is_one_sentence():
    with pytest.raises(CourseError, match=r"Unknown architecture 'edge-only': use one of cloud-only, edge"):
        architectures.get("edge-only")


def test_cards_offer_exactly_the_four_and_the_examples_are_judged_best():
    assert list(scenarios.choices()) == IDS
    for sid in scenarios.ids():
        assert set(scenarios.card(sid).verdicts) == set(IDS), sid
    for example in architectures.examples():
        assert scenarios.best(example["scenario"]) == [example["architecture"]], example["scenario"]


def test_fleet_and_privacy_use_the_taxonomy_names():
    assert fleet.modes_simulated() == architectures.simulated()
    assert set(privacy.ARCHITECTURES) <= set(IDS)


def test_choice_exercises_answer_with_architecture_ids():
    for path in sorted((ROOT / "data" / "exercises").glob("*.json")):
        for ex in json.loads(path.read_text(encoding="utf-8"))["exercises"]:
            if ex.get("kind") == "choice" and ex["answer"] in IDS:
                assert set(ex["hints"]) - {"wrong"} <= set(IDS), ex["id"]


def test_quiz_keys_agree_with_the_canonical_examples():
    checked = 0
    for bank, q in _questions():
        for example in architectures.examples():
            if not any(k in q["prompt"].lower() for k in example["keywords"]):
                continue
            named = {a for a, pattern in NAMED.items() if re.search(pattern, _key_text(q), re.IGNORECASE)}
            assert named <= {example["architecture"]}, (
                f"{bank} {q['id']}: its key calls a {example['keywords'][0]} design {sorted(named)}, "
                f"but data/architectures.json makes it {example['architecture']}")
            checked += 1
    assert checked >= 2  # the doorbell and the wake-word speaker are asked about


def test_no_retired_architecture_names_anywhere():
    places = [*sorted((ROOT / "data").rglob("*.json")), *sorted((ROOT / "utils").glob("*.py")),
              *sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for path in places:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = " ".join("".join(c["source"]) for c in json.loads(text)["cells"])
        assert not RETIRED.search(text), f"{path.relative_to(ROOT)} still says 'edge-only'"


# What makes hybrid more than edge (data/architectures.json): unsure samples go up, updated models come down.
LOOP = re.compile(r"\bunsure\b|\buncertain\b|\bretrain|\blearn|\bloop\b|\bupdates?\b|better models?", re.IGNORECASE)
# A right option that answers "hybrid": it starts with the name, or its feedback calls it the hybrid design.
KEYED_HYBRID = re.compile(r"^hybrid\b|\bthe hybrid (?:design|architecture)\b", re.IGNORECASE)


def test_the_taxonomy_gives_hybrid_its_learning_loop_and_edge_none():
    hybrid, edge = architectures.get("hybrid"), architectures.get("edge")
    assert LOOP.search(hybrid.summary) and LOOP.search(hybrid.cloud_role)
    assert not LOOP.search(edge.summary)


def test_an_answer_keyed_as_hybrid_includes_the_learning_loop():
    # "Train in the cloud, compress, run on the device" alone is edge; the loop is what makes it hybrid.
    checked = 0
    for bank, q in _questions():
        right = [o for o in q.get("options", []) if isinstance(o, dict) and o.get("correct")]
        for o in right:
            if KEYED_HYBRID.search(o["text"]) or KEYED_HYBRID.search(o.get("feedback", "")):
                assert LOOP.search(o["text"]), (
                    f"{bank} {q['id']}: its right answer is the hybrid design, but {o['text']!r} describes no learning "
                    "loop (unsure samples up, updates down), which is edge in data/architectures.json")
                checked += 1
    assert checked >= 2  # lesson 00's answer to "cloud or edge?" and bank 08's pharmacy counter


def test_the_glossary_sums_up_hybrid_with_its_loop():
    from utils import glossary

    sentences = re.split(r"(?<=\.)\s+", glossary.lookup("Hybrid architecture").definition)
    for sentence in sentences:
        if re.search(r"\bin the cloud\b|\bon the device\b", sentence, re.IGNORECASE):
            assert LOOP.search(sentence), f"the glossary's hybrid sentence {sentence!r} describes edge (no loop)"
