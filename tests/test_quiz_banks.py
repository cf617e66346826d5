"""Every question bank in data/quizzes: schema, cues and bias, near-duplicates, numbers, and the ids notebooks use.

Schema rules live in ``utils.quiz_bank.validate_bank`` (the quiz itself refuses a broken bank with
the same sentence); this file runs them over every bank and adds the checks that only make
sense across questions:

- bias, per bank: the longest option is right in at most 40 % of its single-choice questions, and
  no letter holds more than 40 % of its right answers (stored order); multiple-select keys vary
  in count (1 to all) and position across the course; absolute words are no tell;
- near-duplicates: no question nearly repeats one of another bank (token-set Jaccard similarity);
- numbers: every numeric answer is recomputed from data/ or its prompt, and every figure bank 08
  quotes comes from data/ or from its own prompt;
- the calls notebooks make to quiz(), predict() and reveal().
"""

import csv
import functools
import itertools
import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest

from utils import quiz_bank as B
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
BANKS = sorted((ROOT / "data" / "quizzes").glob("*.json"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _all_questions() -> list[tuple[str, dict]]:
    return [(p.name, q) for p in BANKS for q in _load(p).get("questions", [])]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def test_there_are_banks():
    assert any(p.name == "00.json" for p in BANKS)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_bank_follows_the_schema(path):
    assert re.fullmatch(r"\d\d\.json", path.name), f"{path.name}: banks are named NN.json"
    B.validate_bank(_load(path), path.name)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_every_option_has_feedback_and_every_question_an_explanation(path):
    for q in _load(path)["questions"]:
        assert q.get("explanation", "").strip(), f"{path.name}, question {q.get('id')!r}: no explanation"
        if q.get("type") in ("single", "multiple"):
            for i, opt in enumerate(q["options"]):
                assert opt.get("feedback", "").strip(), f"{path.name}, {q['id']!r}, option {'ABCDEFGHIJ'[i]}: no feedback"
        if q.get("type") == "numeric":
            assert q["feedback_low"].strip() and q["feedback_high"].strip(), f"{path.name}, {q['id']!r}"


def test_ids_and_prompts_are_unique_across_the_course():
    ids = Counter(q["id"] for _, q in _all_questions())
    assert not [i for i, n in ids.items() if n > 1], "question ids used twice"
    prompts = Counter(_norm(q["prompt"]) for _, q in _all_questions())
    twice = [p for p, n in prompts.items() if n > 1]
    assert not twice, f"the same question is asked twice: {twice}"


# ---- where the right answers sit: per bank, in the stored order -------------------------------------
# Learners see the options shuffled (utils.quiz_bank.shuffled), but a static copy without a learner, a
# printed bank or a teacher's answer key shows the stored order, so the stored order is kept fair too.

LIMIT = 0.4  # no cue may single out the right answer in more than 40 % of a bank's questions


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_the_longest_option_is_right_in_at_most_40_percent_of_a_banks_single_choice_questions(path):
    report = B.bias_report(_load(path))
    n, longest = report["single"], report["longest_right"]
    assert n >= 3, f"{path.name} has {n} single-choice questions: too few to judge bias"
    assert len(longest) <= LIMIT * n, (
        f"{path.name}: the right answer is the longest option (ties count) in {len(longest)} of {n} single-choice "
        f"questions ({', '.join(longest)}); tighten the right option or lengthen a wrong one in some of them")


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_no_letter_holds_more_than_40_percent_of_a_banks_right_answers(path):
    letters = B.bias_report(_load(path))["letters"]
    total = sum(letters.values())
    assert total >= 5, f"{path.name} has {total} right answers (single and multiple): too few to judge bias"
    letter, count = letters.most_common(1)[0]
    assert count <= LIMIT * total, (
        f"{path.name}: option {letter} is right in {count} of the bank's {total} right answers; "
        "move some right answers to other letters")


def test_the_longest_option_is_not_a_reverse_cue():
    """Padding wrong options until they are the longest teaches 'never pick the longest': avoid that too."""
    reports = [B.bias_report(_load(p)) for p in BANKS]
    singles = sum(r["single"] for r in reports)
    longest = sum(len(r["longest_right"]) for r in reports)
    assert longest >= 0.15 * singles, (
        f"the right answer is the longest option in only {longest} of {singles} single-choice questions: "
        "learners can rule out the longest option; let a right answer be the longest now and then")


def _multiple_keys() -> list[tuple[str, list[int], int]]:
    return [key for p in BANKS for key in B.bias_report(_load(p))["multiple_keys"]]


def test_multiple_select_keys_vary_in_count_and_position_across_the_course():
    keys = _multiple_keys()
    assert len(keys) >= 8, "too few multiple-select questions to judge their keys"
    counts = Counter(len(right) for _, right, _ in keys)
    assert any(len(right) == 1 for _, right, _ in keys), "no multiple-select question has exactly one right option"
    assert any(len(right) == n for _, right, n in keys), "no multiple-select question has every option right"
    assert max(counts.values()) <= len(keys) / 2, f"one number of right options dominates: {dict(counts)}"
    first_right = [qid for qid, right, _ in keys if 0 in right]
    assert len(first_right) <= 0.6 * len(keys), f"option A is right in {len(first_right)} of {len(keys)}: {first_right}"
    for pos in range(5):
        having = [(qid, right) for qid, right, n in keys if n > pos]
        right_here = [qid for qid, right in having if pos in right]
        assert len(right_here) <= 0.75 * len(having), f"option {'ABCDE'[pos]} is right in {len(right_here)} of {len(having)}"
    patterns = Counter(("".join("ABCDEFGHIJ"[i] for i in right), n) for _, right, n in keys)
    assert max(patterns.values()) <= 2, f"the same key repeats: {patterns.most_common(1)}"


def test_multiple_select_prompts_do_not_say_how_many_are_right():
    for _, q in _all_questions():
        if q["type"] == "multiple":
            found = re.search(r"\b(?:which|the) (?:two|three|four|five|\d+)\b|\bboth of\b", q["prompt"].lower())
            assert not found, f"{q['id']}: the prompt says how many options are right ({found.group(0)!r})"


def test_absolute_words_are_not_a_tell():
    """'always', 'never', 'cannot' mostly in wrong options would let a learner rule options out unread."""
    words = re.compile(r"\b(always|never|cannot|can't|impossible)\b", re.I)
    options = [o for _, q in _all_questions() if q["type"] in ("single", "multiple") for o in q["options"]]
    base = sum(o["correct"] for o in options) / len(options)
    flagged = [o for o in options if words.search(o["text"])]
    if flagged:
        share = sum(o["correct"] for o in flagged) / len(flagged)
        assert share >= base / 2, (
            f"only {share:.0%} of the options saying always/never/cannot are right (all options: {base:.0%}): "
            f"{[o['text'] for o in flagged if not o['correct']]}")


# ---- near-duplicates across banks -------------------------------------------------------------------

SIMILAR = 0.25  # token-set Jaccard similarity of prompts, or of prompt + options, at or above which two questions repeat


def _likeness(a: dict, b: dict) -> float:
    prompts = B.tokens(a["prompt"]), B.tokens(b["prompt"])
    return max(len(prompts[0] & prompts[1]) / len(prompts[0] | prompts[1]), B.similarity(a, b))


def test_no_question_nearly_repeats_a_question_of_another_bank():
    questions = [q for _, q in _all_questions()]
    repeats = [(round(_likeness(a, b), 2), a["id"], b["id"]) for a, b in itertools.combinations(questions, 2)
               if a["id"][:2] != b["id"][:2] and _likeness(a, b) >= SIMILAR]
    assert not repeats, f"questions of different banks that nearly repeat each other: {sorted(repeats, reverse=True)}"


def test_the_near_duplicate_check_catches_the_repeats_bank_08_used_to_have():
    old_08 = {"id": "08.camera-gb", "type": "numeric", "prompt": "A 1080p camera streams at 2 Mbit/s all day to the "
              "cloud. How many gigabytes (10^9 bytes) is that per day?"}
    old_08b = {"id": "08.edge-disadvantages", "type": "multiple",
               "prompt": "Which of these are real disadvantages of edge AI? Select all that apply.", "options": []}
    earlier = {q["id"]: q for _, q in _all_questions()}
    assert _likeness(old_08, earlier["02.gb-per-day"]) >= SIMILAR
    assert _likeness(old_08b, earlier["03.edge-disadvantages"]) >= SIMILAR
    assert _likeness(earlier["02.gb-per-day"], earlier["06.zero-point-meaning"]) < SIMILAR / 2


# ---- every number comes from data/ or from its question ---------------------------------------------


def _data() -> dict:
    """The figures the banks quote, computed from the course's data files (through the utils that read them)."""
    from utils import board_sim, cellular, devices, fleet, network, privacy

    d = fleet.defaults()
    with open(ROOT / "data" / "batteries.csv", encoding="utf-8") as fh:
        aa = next(r for r in csv.DictReader(fh) if r["battery"] == "2 x AA alkaline")
    with open(ROOT / "data" / "model_sizes.csv", encoding="utf-8") as fh:
        mobilenet = next(int(r["params"]) for r in csv.DictReader(fh) if r["model"] == "MobileNetV2")
    vww = next(r for r in board_sim.results() if r["device"] == "NUCLEO-U575ZI-Q M33" and r["benchmark"] == "vww")
    return {"net": {n: network.link(n) for n in ("4G", "5G", "Wi-Fi", "fibre")}, "frame": d["camera_frame_bytes"][0],
            "usd_mb": cellular.figure("iot_usd_per_mb"),
            "sim_usd": cellular.figure("iot_sim_usd_per_month"),
            "events_hour": d["events_per_hour"][0], "camera_mbps": network.stream_mbps("1080p standard", "H.264"),
            "aa_j": float(aa["capacity_mah"]) * float(aa["voltage_v"]) * 3.6, "vww": vww,
            "u575": devices.device("STM32U575"), "mobilenet": mobilenet, "devices": devices,
            "runtime": board_sim.RUNTIME_CODE_BYTES, "month": network.MONTH_DAYS, "network": network,
            "speaker_gb": privacy.raw_bytes_per_day(privacy.product("smart speaker")) / 1e9}


@functools.cache
def _digits_on_m4f() -> dict:
    """What 07.latency-estimate quotes: lesson 07's fitted cycles per MAC and the digits model's MACs (untrained)."""
    from utils import board_sim, devices, model_stats, training

    fit = board_sim.latency_model()
    conv = fit.per_mac[("cortex-m4f", "tflm-reference")]
    layers = model_stats.model_stats(training.build_model("digits", "edge")).layers
    macs = {kind: sum(r.macs for r in layers if r.kind == kind) for kind in ("Conv2D", "Dense")}
    return {"conv_cpm": conv, "fc_cpm": conv + fit.fully_connected.get("tflm-reference", 0.0),
            "free_ops": fit.per_byte == 0 and fit.per_call.get("tflm", 0.0) == 0,
            "macs": sum(r.macs for r in layers), "mac_layers": macs["Conv2D"] + macs["Dense"],
            "clock_mhz": devices.device("STM32L4R5").clock_mhz}


def _latency_estimate(f) -> float:
    d = _digits_on_m4f()
    return d["macs"] * round(d["conv_cpm"], 2) / (d["clock_mhz"] * 1e3)


def _gate(f):
    g5 = f["net"]["5G"]
    upload_ms = f["frame"] * 8 / (g5.uplink_mbps * 1e3)
    return {"upload_ms": upload_ms, "bits": f["frame"] * 8, "bits_per_ms": g5.uplink_mbps * 1e3,
            "total": upload_ms + g5.rtt_ms + 5}


def _bill(f):
    events = 1_000 * f["events_hour"] * 24 * f["month"]
    hybrid = 60 + 0.02 * f["frame"]
    data_usd, sims = events * hybrid / 1e6 * f["usd_mb"], 1_000 * f["sim_usd"]
    return {"events": events, "hybrid_bytes": hybrid, "hybrid_mb": events * hybrid / 1e6, "data_usd": data_usd,
            "sims_usd": sims, "bill": data_usd + sims, "usd_mb": f["usd_mb"],
            "camera_mb": events / 1_000 * hybrid / 1e6, "cloud_camera_mb": events / 1_000 * f["frame"] / 1e6}


def _trap(f):
    from utils import cellular

    vww, sleep_mw = f["vww"], f["u575"].sleep_mw
    duty = vww["latency_ms"] / 1e3
    sleep_part = sleep_mw * (1 - duty)
    avg_mw = vww["energy_uj"] / 1e3 + sleep_part
    seconds = f["aa_j"] / (avg_mw / 1e3)
    # One picture a second over 4G: the LTE modem's tail outlasts the gap, so it never returns to idle.
    send_w = cellular.lte_send(f["frame"], f["net"]["4G"].uplink_mbps, every_s=1.0).total_j
    return {"duty": duty, "inference_mw": vww["energy_uj"] / 1e3, "sleep_part": sleep_part, "avg_mw": avg_mw,
            "avg_w": avg_mw / 1e3, "million_s": seconds / 1e6, "days": seconds / 86_400, "tail_s": cellular.tail_s(),
            "send_w": send_w, "send_hours": f["aa_j"] / (send_w + avg_mw / 1e3) / 3_600}


# How each numeric answer follows from data/ (or from its own prompt). A new numeric question needs a line here.
NUMERIC = {
    "00.points-to-pass": lambda f: math.ceil(0.8 * 5),
    "01.upload-frame": lambda f: f["network"].frame_bytes(f["camera_mbps"]) * 8 / (f["net"]["4G"].uplink_mbps * 1e3),
    "02.gb-per-day": lambda f: f["network"].gb_per_day(f["camera_mbps"]),
    "02.three-nines": lambda f: f["network"].downtime_minutes_per_month(0.999),
    "03.int8-size": lambda f: 250_000 * 1 / 1_000,
    "04.speaker-gb": lambda f: f["speaker_gb"],
    "05.dense-params": lambda f: 128 * 10 + 10,
    "06.error-bound": lambda f: 0.02 / 2,
    "07.latency-estimate": _latency_estimate,
    "08.gate-budget": lambda f: _gate(f)["total"],
    "08.fleet-bill": lambda f: _bill(f)["bill"],
    "08.trap-battery": lambda f: _trap(f)["days"],
}


def test_every_numeric_answer_follows_from_the_data_or_its_prompt():
    f = _data()
    for _, q in _all_questions():
        if q["type"] != "numeric":
            continue
        assert q["id"] in NUMERIC, f"{q['id']}: add to NUMERIC how its answer is computed from data/ or its prompt"
        expected = NUMERIC[q["id"]](f)
        assert abs(expected - q["answer"]) <= max(q["tolerance"] / 2, 1e-9), (
            f"{q['id']}: the bank says {q['answer']}, the data give {expected:.6g}")


def test_the_latency_estimate_quotes_lesson_07s_fit_and_the_digits_model():
    d = _digits_on_m4f()
    q = next(q for _, q in _all_questions() if q["id"] == "07.latency-estimate")
    for figure in (f"{d['conv_cpm']:.2f} cycles per MAC", f"{d['macs']:,} MACs", f"{d['clock_mhz']:.0f} MHz"):
        assert figure in q["prompt"], f"07.latency-estimate should quote {figure!r}, as lesson 07 computes it"
    # "a convolution or a fully connected layer alike", "all in such layers", "0 cycles" for the other operators:
    assert f"{d['fc_cpm']:.2f}" == f"{d['conv_cpm']:.2f}" and d["mac_layers"] == d["macs"] and d["free_ops"]


def test_a_month_is_the_lessons_month():
    from utils import network

    q = next(q for _, q in _all_questions() if q["id"] == "02.three-nines")
    for text in (q["prompt"], q["feedback_low"], q["explanation"]):
        assert f"{network.MONTH_DAYS:g}" in text, f"02.three-nines should use lesson 02's month, {network.MONTH_DAYS:g} days"


# The figures each question of bank 08 may quote beyond its own prompt, computed from data/.
def _bank_08_figures(f) -> dict:
    g4, g5, fibre = f["net"]["4G"], f["net"]["5G"], f["net"]["fibre"]
    flash = {d.name: d for d in f["devices"].catalog()}
    need = f["mobilenet"] + f["runtime"]
    mcu_ram = max(d.ram_kb for d in f["devices"].catalog() if d.kind == "mcu")
    return {
        "08.pharmacy-counter": [g4.rtt_ms],
        "08.gate-budget": list(_gate(f).values()),
        "08.fleet-bill": list(_bill(f).values()),
        "08.flash-fit": [flash[n].flash_kb for n in ("ESP32-S3", "RP2040", "nRF52840", "STM32H7A3", "ESP32")]
        + [flash["RP2040"].flash_bytes, f["mobilenet"], mcu_ram, flash["STM32H7A3"].ram_kb, flash["ESP32"].flash_bytes,
           need, (flash["ESP32"].flash_bytes - need) / 1024, f["runtime"], need / 1024, 4, f["mobilenet"] * 4 / 1e6],
        "08.five-g-argument": [g5.rtt_ms, g5.uplink_mbps, g4.uplink_mbps],
        "08.trap-battery": list(_trap(f).values()),
        "08.hearing-aid": [fibre.rtt_ms],
    }


CONSTANTS = {1, 8, 24, 60, 1_000, 1_024, 1_440, 3_600, 86_400}  # units: bits, hours, minutes, KiB, a day's minutes and seconds
_NUMBER = re.compile(r"(?<![\w.^/$-])-?\d[\d,]*(?:\.\d+)?(?![\w^])|(?<=\$)\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    text = re.sub(r"\b[Ll]essons? \d\d(?: and \d\d)*", " ", text)  # "lesson 03" names a lesson, it is not a figure
    return [n.rstrip(",") for n in _NUMBER.findall(text)]


def _value(token: str) -> float:
    return float(token.replace(",", ""))


def _matches(token: str, value: float) -> bool:
    decimals = len(token.split(".")[1]) if "." in token else 0
    return abs(_value(token) - value) <= 0.5 * 10 ** -decimals * (1 + 1e-9)


def _texts(q: dict) -> list[str]:
    out = [q["prompt"], q["explanation"], q.get("feedback_low", ""), q.get("feedback_high", "")]
    for o in q.get("options", []):
        out += [o] if isinstance(o, str) else [o["text"], o.get("feedback", "")]
    return out


def test_every_number_in_bank_08_comes_from_the_data_or_its_prompt():
    f = _data()
    figures = _bank_08_figures(f)
    for q in _load(ROOT / "data" / "quizzes" / "08.json")["questions"]:
        given = {_value(n) for n in _numbers(q["prompt"])}
        if q["type"] == "predict":  # a predict question's options are a scale of guesses
            given |= {_value(n) for o in q["options"] for n in _numbers(o if isinstance(o, str) else o["text"])}
        allowed = figures.get(q["id"], [])
        for text in _texts(q):
            for token in _numbers(text):
                ok = _value(token) in given | CONSTANTS or any(_matches(token, v) for v in allowed)
                assert ok, f"{q['id']}: {token!r} in {text!r} is neither in its prompt nor computed from data/"


def test_the_number_check_is_not_blind():
    assert _numbers("27,648-byte photos over 5G at 21.08 Mbit/s cost $6.00 per GB (10^9 bytes) in lesson 03") == [
        "27,648", "21.08", "6.00"]
    assert _matches("266.7", 266.661) and not _matches("266.7", 266.6) and _matches("3,555", 3554.84)


@pytest.mark.parametrize("path", BANKS, ids=lambda p: p.name)
def test_numeric_tolerance_is_tighter_than_the_answer(path):
    for q in _load(path)["questions"]:
        if q["type"] == "numeric" and q["answer"] != 0:
            assert q["tolerance"] < abs(q["answer"]), f"{path.name}, {q['id']!r}: 0 would be accepted"


def test_the_seed_wifi_question_is_in_bank_01():
    path = ROOT / "data" / "quizzes" / "01.json"
    prompts = [_norm(q["prompt"]) for q in _load(path)["questions"]]
    assert any(("wi fi" in p or "wifi" in p) and "camera" in p for p in prompts), (
        "01.json should ask what happens to a cloud-dependent security camera when the Wi-Fi goes down")


def _calls(nb_path: Path) -> list[tuple[str, str]]:
    """(function, id) for every quiz/predict/reveal call in a notebook's code cells, in order."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return re.findall(r"\b(quiz|predict|reveal)\(\s*[\"'](\d\d(?:\.[a-z0-9-]+)?)[\"']", code)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_calls_name_questions_that_exist(nb_path):
    nid = nb_path.name[:2]
    calls = _calls(nb_path)
    for func, ident in calls:
        if func == "quiz":
            assert ident == nid, f"{nb_path.name} ends with quiz({ident!r}); it should be quiz({nid!r})"
            B.load_questions(ident)
            continue
        q = B.question(ident)
        assert q["type"] == "predict", f"{nb_path.name}: {func}({ident!r}) needs a predict question"
    predicted = [i for f, i in calls if f == "predict"]
    revealed = [i for f, i in calls if f == "reveal"]
    for ident in predicted:
        assert ident in revealed, f"{nb_path.name}: predict({ident!r}) has no reveal({ident!r})"
        assert calls.index(("predict", ident)) < calls.index(("reveal", ident)), f"{ident}: reveal before predict"


@pytest.mark.parametrize("nb_path", [p for p in NOTEBOOKS if p.name[:2] != "00"], ids=lambda p: p.name)
def test_every_lesson_has_a_bank_and_ends_with_its_quiz(nb_path):
    nid = nb_path.name[:2]
    assert (ROOT / "data" / "quizzes" / f"{nid}.json").exists(), f"{nb_path.name} has no data/quizzes/{nid}.json"
    assert ("quiz", nid) in _calls(nb_path), f"{nb_path.name} never calls quiz({nid!r})"


# ---- the validator itself: each broken bank is refused with a sentence naming file and question ----

GOOD = {"id": "05.ok", "type": "single", "prompt": "P?", "explanation": "E.",
        "options": [{"text": "a", "correct": True, "feedback": "f"}, {"text": "b", "correct": False, "feedback": "g"}]}


def _bank(*questions, **top):
    return {"notebook": "05", "pass_mark": 0.8, "questions": list(questions), **top}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"explanation": ""}, "field 'explanation': must be non-empty text"),
        ({"type": "essay"}, "field 'type': must be one of single, multiple, numeric, predict"),
        ({"feeback": "typo"}, "field 'feeback': is not a field of a single question (a typo?)"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"},
                      {"text": "b", "correct": False}]}, "field 'options[1].feedback': is missing"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"},
                      {"text": "b", "correct": True, "feedback": "g"}]}, "exactly one correct option, found 2"),
        ({"options": [{"text": "a", "correct": "yes", "feedback": "f"},
                      {"text": "b", "correct": False, "feedback": "g"}]}, "field 'options[0].correct': must be true or false"),
        ({"options": [{"text": "Same", "correct": True, "feedback": "f"},
                      {"text": "same ", "correct": False, "feedback": "g"}]}, "two options have the same text"),
        ({"options": [{"text": "a", "correct": True, "feedback": "f"}]}, "field 'options': must be a list of 2 to 10 options"),
        ({"type": "multiple", "options": [{"text": "a", "correct": False, "feedback": "f"},
                                          {"text": "b", "correct": False, "feedback": "g"}]},
         "needs at least one correct option (any number up to all)"),
        ({"type": "numeric"}, "field 'answer': is missing"),
        ({"type": "predict", "options": ["x", "y"], "answer": 2}, "must be an option index 0-1"),
    ],
)
def test_schema_errors_name_the_file_and_the_question(change, message):
    q = {**GOOD, **change}
    q = {k: v for k, v in q.items() if v is not None}
    with pytest.raises(CourseError) as err:
        B.validate_bank(_bank(q), "05.json")
    text = str(err.value)
    assert text.startswith("05.json, question '05.ok'") and message in text


@pytest.mark.parametrize(
    "numeric, message",
    [
        ({}, "field 'answer': is missing"),
        ({"answer": 3}, "field 'tolerance': is missing"),
        ({"answer": 3, "tolerance": -1, "unit": "", "feedback_low": "l", "feedback_high": "h"},
         "field 'tolerance': must be a number, 0 or more"),
        ({"answer": 3, "tolerance": 0}, "field 'unit': is missing"),
        ({"answer": 3, "tolerance": 0, "unit": "ms", "feedback_low": "low"}, "field 'feedback_high': is missing"),
        ({"answer": True, "tolerance": 0, "unit": "", "feedback_low": "l", "feedback_high": "h"},
         "field 'answer': must be a number"),
    ],
)
def test_numeric_schema_errors(numeric, message):
    q = {"id": "05.num", "type": "numeric", "prompt": "P?", "explanation": "E.", **numeric}
    with pytest.raises(CourseError, match=re.escape(message)) as err:
        B.validate_bank(_bank(q), "05.json")
    assert str(err.value).startswith("05.json, question '05.num'")


@pytest.mark.parametrize(
    "bank, message",
    [
        (_bank(GOOD, dict(GOOD)), "05.json, question '05.ok': this id appears twice"),
        (_bank({**GOOD, "id": "04.ok"}), "05.json, question '04.ok': the id must start with the bank's notebook"),
        (_bank({**GOOD, "id": "05 Bad"}), "05.json, question '05 Bad', field 'id': must look like"),
        (_bank(GOOD, notebook="5"), "05.json, field 'notebook': must be a two-digit string"),
        (_bank(GOOD, notebook="06"), "05.json: 'notebook' is '06' but the file is named for '05'"),
        (_bank(GOOD, pass_mark=80), "05.json, field 'pass_mark': must be a fraction"),
        (_bank(), "05.json, field 'questions': must be a non-empty list"),
        (_bank({"id": "05.p", "type": "predict", "prompt": "P?", "explanation": "E.", "options": ["a", "b"]}),
         "05.json: needs at least one single, multiple or numeric question"),
        (_bank(GOOD, extra=1), "05.json, field 'extra': is not a field (a typo?)"),
        ([GOOD], "05.json: must be a JSON object"),
    ],
)
def test_bank_level_errors(bank, message):
    with pytest.raises(CourseError) as err:
        B.validate_bank(bank, "05.json")
    assert message in str(err.value)
