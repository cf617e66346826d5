"""Check your own work: run your notebooks (a copy: the files are not changed) and list every exercise.

    python check_my_work.py          every notebook in notebooks/
    python check_my_work.py 03 05    only these lessons

Each exercise shows a tick or the hint of its check, as in the notebook. The grader also runs tests
you cannot see, so a tick here is a good sign, not the final score.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CELL_LIMIT = 120  # seconds a cell may run here before it is stopped
CHECK_RE = re.compile(r"""\bcheck\(\s*(['"])(?P<id>\d\d\.[\w.-]+)\1""")


def run(path: Path) -> tuple[list[dict], list[str], list[str]]:
    """The checks one notebook made, the cells that raised an error, and the exercises it checks."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "checks.jsonl"
        os.environ.update(COURSE_CHECK_LOG=str(log), COURSE_ROOT=str(HERE), MPLBACKEND="Agg")
        NotebookClient(nb, timeout=CELL_LIMIT, kernel_name="python3", allow_errors=True,
                       interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}}).execute()
        checks = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    errors = [f"cell {i + 1} ({o.get('ename')})" for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    asked = [m["id"] for c in nb.cells if c.cell_type == "code" for m in CHECK_RE.finditer(c.source)]
    return checks, errors, list(dict.fromkeys(asked))


def main(ids: list[str]) -> int:
    files = sorted(p for p in (HERE / "notebooks").glob("[0-9][0-9]_*.ipynb") if not ids or p.name[:2] in ids)
    if not files:
        print(f"No notebook {' or '.join(ids)} in {HERE / 'notebooks'}: give a lesson number such as 03.")
        return 1
    for path in files:
        print(f"{path.name} ...", flush=True)
        checks, errors, asked = run(path)
        last = {c["exercise"]: c for c in checks}  # the latest check of each exercise counts
        for exercise in dict.fromkeys([*asked, *last]):
            c = last.get(exercise)
            if c is None:
                print(f"  ✘ {exercise}: not checked: its check cell did not run or raised an error (is it solved?)")
            else:
                print(f"  {'✔' if c['passed'] else '✘'} {exercise}: {c['message']}")
        if errors:
            print(f"  cells that raised an error: {', '.join(errors[:8])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
