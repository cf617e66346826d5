"""JSON Schema checks of the course's hand-edited data: question banks, exercise specs, scenario cards.

The schemas are ``data/schemas/*.schema.json`` (an editor that knows JSON Schema uses them while
an author types). ``check(doc, "quiz_bank", "05.json")`` returns ``doc`` or raises one sentence
naming the file, the item (question, exercise, scenario) and the field, e.g.
``05.json, question '05.ok', field 'options[1].feedback': must be non-empty text.``
"""

from __future__ import annotations

import sys
from functools import cache

# jsonschema imports its optional URI checker, which compiles a grammar (1.1 s in every kernel); no
# course schema uses "format", so it is kept out. Tests assert the schemas stay format-free.
sys.modules.setdefault("rfc3987_syntax", None)
import jsonschema  # noqa: E402

from utils.errors import CourseError
from utils.paths import read_json


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = read_json(f"schemas/{name}.schema.json")
    return jsonschema.Draft202012Validator(schema)


def _item(doc, path: list) -> tuple[str, list]:
    """("question '05.ok'", the path inside it) for the innermost listed object with an id on ``path``."""
    label, rest, node = "", list(path), doc
    for i, key in enumerate(path):
        node = node[key] if isinstance(node, (dict, list)) else None
        if i and isinstance(key, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            label, rest = f"{str(path[i - 1]).removesuffix('s')} {node['id']!r}", path[i + 1:]
    return label, rest


def _field(path: list) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def _sentence(err: jsonschema.ValidationError, doc, source: str) -> str:
    label, rest = _item(doc, list(err.absolute_path))
    rule = err.schema.get("description") if isinstance(err.schema, dict) else None
    if err.validator == "required":
        missing = next(p for p in err.validator_value if p not in err.instance)
        rest, rule = [*rest, missing], "is missing"
    elif err.validator == "additionalProperties" and err.validator_value is False:
        known = set(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - known)
        kind = f" of a {err.instance['type']} question" if isinstance(err.instance.get("type"), str) else ""
        rest, rule = [*rest, extra[0]], f"is not a field{kind} (a typo?)"
    elif err.validator == "type" and not rest:
        rule = f"must be a JSON {err.validator_value}"
    elif not rule:
        rule = err.message
    where = ", ".join(x for x in (source, label, f"field {_field(rest)!r}" if rest else "") if x)
    return f"{where}: {rule}."


def check(doc, schema: str, source: str):
    """``doc`` if it follows ``data/schemas/<schema>.schema.json``, else one sentence naming file, item and field."""
    err = jsonschema.exceptions.best_match(_validator(schema).iter_errors(doc))
    if err is not None:
        raise CourseError(_sentence(err, doc, source))
    return doc
