"""The glossary: every seed term is there, and every "taught in" link lands on a real notebook heading."""

import json
import re
from html import escape as html_escape

import pytest

from utils import glossary
from utils.course import NOTEBOOKS, find_root
from utils.errors import CourseError

ENTRIES = glossary.entries()
COURSE_TERMS = ("Arena", "Zero point", "Scale", "MACs", "Duty cycle", "Representative dataset", "Flatbuffer",
                "TFLite Micro", "LiteRT", "Hybrid architecture")


def headings(notebook: str) -> list[str]:
    """The markdown heading texts of ``notebook`` (every level), read from the .ipynb file."""
    path = find_root() / "notebooks" / glossary.notebook_file(notebook)
    if not path.is_file():
        return []
    found, in_code = [], False
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        in_code = False
        for line in source.splitlines():
            if line.lstrip().startswith("```"):
                in_code = not in_code  # a '#' inside a fenced code block is not a heading
            m = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                found.append(m.group(1))
    return found


def test_every_seed_term_and_course_term_is_defined():
    terms = {e.term.lower() for e in ENTRIES}
    for term in glossary.SEED_TERMS + COURSE_TERMS:
        assert term.lower() in terms, f"the glossary lacks {term!r}"


def test_entries_are_complete_and_unique():
    raw = json.loads((find_root() / "data" / "glossary.json").read_text(encoding="utf-8"))["terms"]
    assert len({e["term"].lower() for e in raw}) == len(raw), "a term appears twice"
    ids = {nid for nid, _, _ in NOTEBOOKS}
    for e in ENTRIES:
        assert e.notebook in ids, f"{e.term}: notebook {e.notebook!r} is not in the course"
        assert len(e.definition.split()) >= 8, f"{e.term}: the definition is too short to teach anything"
        assert e.definition.endswith("."), f"{e.term}: the definition should be a full sentence"


def test_definitions_are_the_courses_own_words():
    # The seed's sentences must not be copied: no run of 8 words from the seed's glossary may reappear.
    seed_text = [
        "running machine learning algorithms locally on hardware devices at the edge of a network",
        "a centralized architecture where data is collected by devices sent to remote servers",
        "the time delay between a user action or data collection and the system's response",
        "focused on developing models capable of performing on-device analytics at extremely low power",
        "reduces the precision of the numbers used to represent a model's parameters",
        "the phase in machine learning where a trained model is used to make predictions",
    ]
    for e in ENTRIES:
        words = " ".join(e.definition.lower().replace(",", "").replace("(", "").replace(")", "").split())
        for sentence in seed_text:
            s = sentence.split()
            for i in range(len(s) - 7):
                assert " ".join(s[i:i + 8]) not in words, f"{e.term} copies the seed: {' '.join(s[i:i + 8])!r}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.term for e in ENTRIES])
def test_taught_in_points_to_an_existing_heading(entry):
    path = find_root() / "notebooks" / glossary.notebook_file(entry.notebook)
    assert path.is_file(), f"{entry.term}: notebook {path.name} does not exist"
    found = headings(entry.notebook)
    assert entry.heading in found, (
        f"{entry.term}: {path.name} has no heading {entry.heading!r}; its headings are {found}")
    assert glossary.link(entry) == f"{path.name}#{glossary.anchor(entry.heading)}"


def test_anchor_matches_jupyterlab():
    assert glossary.anchor("What one decision costs on the board") == "What-one-decision-costs-on-the-board"
    assert glossary.anchor("The **zero point**") == "The-zero-point"
    assert glossary.anchor("1 · Latency") == "1-·-Latency"


def test_headings_ignore_code_fences_and_find_every_level():
    heads = headings("08")
    assert heads[0].startswith("08 · ")
    assert "Glossary" in heads and "What one decision costs on the board" in heads


def test_lookup_and_search():
    assert glossary.lookup("zero POINT").term == "Zero point"
    with pytest.raises(CourseError, match="Did you mean: zero point"):
        glossary.lookup("zero pont")
    with pytest.raises(CourseError, match="no term 'blockchain'"):
        glossary.lookup("blockchain")
    with pytest.raises(CourseError, match="as text"):
        glossary.lookup(42)
    assert [e.term for e in glossary.search("battery")]  # some definition mentions a battery
    assert len(glossary.search("")) == len(ENTRIES)


def test_html_table_links_every_term():
    html = glossary.to_html()
    assert html.count("<tr>") == len(ENTRIES) + 1
    for e in ENTRIES:
        assert html_escape(glossary.link(e)) in html


def test_lesson_08_links_land_on_real_headings():
    import re

    nb = json.loads((find_root() / "notebooks" / "08_hybrid_architecture.ipynb").read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    links = re.findall(r"\]\((\d\d)_[a-z_]+\.ipynb#([^)]+)\)", text)
    assert len(links) >= 4
    for notebook, target in links:
        anchors = [glossary.anchor(h) for h in headings(notebook)]
        assert target in anchors, f"08 links to {notebook}#{target}, which is not a heading there"


# Jargon the course uses: each term is defined (in bold) where a learner first meets it, and the glossary links there.
JARGON = {
    "Flash memory": r"\bflash\b",
    "Kernel": r"\bkernels\b|\b(?:reference|optimi[sz]ed|vendor|CMSIS-NN|ESP-NN) kernel",
    "Flatbuffer": r"\bflat ?buffers?\b",
    "ReLU": r"(?-i:\bReLU\b)",
    "Softmax": r"\bsoftmax\b",
    "Adam optimiser": r"(?-i:\bAdam\b)",
    "Cross-entropy loss": r"\bcross-?entropy\b",
    "Epoch": r"\bepochs?\b",
    "REST": r"(?-i:\bREST(?:ful)?\b)",
    "Loopback": r"\bloopback\b",
    "p50 and p99 latency": r"\bp(?:50|99)\b",
}


def _first_use(pattern: str):
    """(notebook, heading over it, whether it is in bold) for the first markdown use of ``pattern`` in the course."""
    for nid, _, _ in NOTEBOOKS:
        nb = json.loads((find_root() / "notebooks" / glossary.notebook_file(nid)).read_text(encoding="utf-8"))
        heading = None
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            src = "".join(cell["source"])
            found = re.search(pattern, src, re.I)
            heads = [(m.start(), m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.*?)\s*#*\s*$", src, re.M)]
            if found:
                heading = next((h for at, h in reversed(heads) if at < found.start()), heading)
                line = src[src.rfind("\n", 0, found.start()) + 1:found.start()]
                # Defined there: the word is in bold, or it sits in a "> **Term**: ..." definition line.
                bold = src[:found.start()].count("**") % 2 == 1 or line.startswith("> **")
                return nid, heading, bold
            heading = heads[-1][1] if heads else heading
    return None


@pytest.mark.parametrize("term", JARGON)
def test_jargon_is_defined_where_it_is_first_used_and_the_glossary_links_there(term):
    use = _first_use(JARGON[term])
    assert use is not None, f"{term!r} is never used: drop it from JARGON"
    notebook, heading, bold = use
    assert bold, f"{term!r} is first used in {notebook} under {heading!r} without being defined (in bold) there"
    entry = glossary.lookup(term)
    assert (entry.notebook, entry.heading) == (notebook, heading), (
        f"the glossary sends {term!r} to {entry.notebook} {entry.heading!r}, but it is first taught in {notebook} "
        f"{heading!r}")


@pytest.mark.parametrize("term", JARGON)
def test_no_quiz_uses_jargon_before_its_lesson(term):
    taught = glossary.lookup(term).notebook
    for path in sorted((find_root() / "data" / "quizzes").glob("*.json")):
        if re.search(JARGON[term], path.read_text(encoding="utf-8"), re.I):
            assert path.stem >= taught, f"bank {path.stem} uses {term!r}, which lesson {taught} teaches"
