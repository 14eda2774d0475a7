"""A corpus of bad inputs: frameworks and other YAML, round.yaml and the dataset's folders, plan documents and the
command line's options. Every case builds its input at test time under tmp_path (the heavy ones, bombs and big
files, are generated here and never committed), runs it as a user would (the command line through click's
CliRunner, or the plan reader, whose problems are warnings by design) and checks:

- the exit code (2: an input problem) or the reader's result (a warning and no evidence; or clean passages);
- the message names the file (or the option), the place in it where there is one, what is wrong, and how to fix it;
- no traceback;
- the inputs are unchanged (nothing written into them or beside them);
- it is fast: a bomb is refused by a check, in milliseconds, never by running out of memory or time.

The table of cases with their messages is in the report of the issue "Inputs that cannot hurt"."""

from __future__ import annotations

import hashlib
import os
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from gapkit.cli import main
from gapkit.core import paths
from gapkit.core.limits import default_limits
from gapkit.inputs.plans import read_plan
from tests.helpers import deadline

GOOD_ROUND = ('round: "2019"\ntitle: Test round\nas_of: 2019-09-27\nframeworks: [hmicfrs-2017-plans]\n'
              "headline_framework: hmicfrs-2017-plans\n")
FRAMEWORK = (paths.FRAMEWORKS_DIR / "hmicfrs-2017-plans.yaml").read_text(encoding="utf-8")
LIMITS = "data/config/limits.yaml"
LOL = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
       + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
       + "]>")


# ---- the harness ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], tuple]  # makes the input under the folder given; returns ("cli", args) or ("plan", path)
    result: int | str               # the exit code, or "warning" (no passages) / "clean" (clean passages) for a plan
    names: str = ""                 # the file or option the message names
    place: str = ""                 # the place in it ("line 3", "part word/document.xml"), if any
    says: str = ""                  # what is wrong
    fix: str = ""                   # how to fix it (besides the "Fix:" every message has)


CASES: list[Case] = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: a regular file's hash, a link's target, or its kind (nothing else is opened)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[str(path)] = "link " + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[str(path)] = f"mode {stat.S_IFMT(info.st_mode)}"
    return out




@pytest.mark.parametrize("bad", CASES, ids=lambda c: c.id)
def test_bad_input(bad: Case, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    kind, target = bad.build(inputs)
    before = snapshot(inputs)
    started = time.monotonic()
    with deadline(60):
        if kind == "cli":
            result = CliRunner().invoke(main, [str(a) for a in target])
            text = result.output  # stdout and stderr, as a user sees them
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
            assert result.exit_code == bad.result, text
        else:
            plan = read_plan(target)
            text = "\n".join(str(i) for i in plan.issues)
            if bad.result == "warning":
                assert not plan.passages and plan.issues, text
                assert all(i.severity == "warning" for i in plan.issues), text
            else:
                assert plan.passages and not plan.issues, text
                joined = " ".join(p.text + p.heading for p in plan.passages)
                assert not any(c in joined for c in "\x00\x07\x1b\ufffe\uffff"), repr(joined)
                assert bad.says in joined, joined
    seconds = time.monotonic() - started
    assert "Traceback" not in text
    if bad.result not in ("clean",):
        assert bad.names in text, text
        assert f"{bad.names} > {bad.place}" in text if bad.place else True, text
        assert bad.says in text, text
        assert "Fix:" in text and bad.fix in text.split("Fix:", 1)[1], text
    assert snapshot(inputs) == before, "the inputs changed"
    assert seconds < 20, f"{seconds:.1f} s"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30 and len({c.id for c in CASES}) == len(CASES)


# ---- helpers to build inputs -----------------------------------------------------------------------------------

def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def dataset(root: Path, round_yaml: str = GOOD_ROUND, round_id: str = "2019") -> Path:
    data = root / "data"
    write(data / "rounds" / round_id / "round.yaml", round_yaml)
    return data


def validate(path: Path) -> tuple:
    return "cli", ["validate", path]


def run(data: Path, *args) -> tuple:
    """`gapkit run` on a dataset, into an output folder beside the inputs (one worker, no pack)."""
    return "cli", ["run", "--data", data, "--out", data.parent.parent / "out", "--workers", "1", "--no-pack", *args]


def alias_bomb() -> str:
    text = "a: &a [" + ", ".join(['"lol"'] * 9) + "]\n"
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text + FRAMEWORK.replace("- id: P1", f"- id: *{prev}", 1)


def docx_file(path: Path, replace=None, extra=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.with_name("source.docx.tmp")
    d = docx.Document()
    d.add_paragraph("The vetting review is complete.")
    d.save(source)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, replace[item.filename](data) if replace and item.filename in replace else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    source.unlink()
    return path


def entity_bomb(data: bytes) -> bytes:
    head, body = data.split(b"?>", 1)
    return head + b"?>" + LOL.encode() + body.replace(b"The vetting review is complete.", b"&lol9;", 1)


def pdf_pages(path: Path, pages: int) -> Path:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(100, 100)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(str(path))
    return path


def hyphen_pdf(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(path) as pdf:
        fig = Figure(figsize=(8.27, 11.69))
        for i, line in enumerate(["The vetting review is com-", "plete and monitored monthly."]):
            fig.text(0.1, 0.9 - 0.02 * i, line, fontsize=11)
        pdf.savefig(fig)
    return path


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def link(path: Path, target: str | Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return path


# ---- frameworks and other YAML (gapkit validate FILE) --------------------------------------------------------

case("yaml-alias-bomb-as-requirement-id", lambda d: validate(write(d / "bomb.yaml", alias_bomb())), 2,
     "bomb.yaml", "line 4", "more than 100 aliases", "max_yaml_aliases")
case("yaml-recursive-alias", lambda d: validate(write(d / "loop.yaml", "a: &a [1, *a]\n")), 2,
     "loop.yaml", "line 1", "never end", "write the values out")
case("yaml-huge-framework-25mb",
     lambda d: validate(write(d / "huge.yaml", FRAMEWORK + "note: " + "x" * (25 * 2**20) + "\n")), 2,
     "huge.yaml", "", "over the limit of 2048 KB (max_yaml_kb)", LIMITS)
case("yaml-deep-nesting", lambda d: validate(write(d / "deep.yaml", "[" * 100_000 + "]" * 100_000)), 2,
     "deep.yaml", "line 1", "nested more than 50 deep (max_yaml_depth)", LIMITS)
case("yaml-not-utf8", lambda d: validate(write(d / "latin.yaml", FRAMEWORK.replace("title:", "title: caf\xe9", 1)
                                               .encode("latin-1"))), 2,
     "latin.yaml", "line 5 (byte 301)", "not UTF-8 text", "save the file as UTF-8")
case("yaml-binary-random-bytes", lambda d: validate(write(d / "random.yaml", os.urandom(4096))), 2,
     "random.yaml", "line", "not UTF-8 text", "UTF-8")
case("yaml-binary-nul-bytes", lambda d: validate(write(d / "nul.yaml", b"id: x\x00\x00\x00\x01\x02")), 2,
     "nul.yaml", "line 1", "#x0000 is not allowed in YAML", "UTF-8")
case("yaml-empty-framework", lambda d: validate(write(d / "empty.yaml", "")), 2,
     "empty.yaml", "", "must be a mapping", "id:")
case("yaml-syntax-error", lambda d: validate(write(d / "syntax.yaml", "id: [unclosed\ntitle: x\n")), 2,
     "syntax.yaml", "line 2, column 6", "YAML syntax error", "indentation")
case("yaml-integer-of-5000-digits", lambda d: validate(write(d / "bigint.yaml", "weight: " + "9" * 5000 + "\n")), 2,
     "bigint.yaml", "line 1", "has 5,000 digits, too many to read", "quotes")
case("yaml-fifo", lambda d: validate(fifo(d / "pipe.yaml")), 2,
     "pipe.yaml", "", "not a regular file", "YAML file")
case("yaml-symlink-to-dev-zero", lambda d: validate(link(d / "zero.yaml", "/dev/zero")), 2,
     "zero.yaml", "", "not a regular file", "YAML file")

# ---- round.yaml and the dataset's folders ----------------------------------------------------------------------

ROUND_FILE = lambda d, text: validate(dataset(d, text) / "rounds" / "2019" / "round.yaml")  # noqa: E731

case("round-yaml-round-traversal", lambda d: ROUND_FILE(d, GOOD_ROUND.replace('"2019"', '"../escape"')), 2,
     "round.yaml", "line 1 (round)", "'../escape' is not a valid round id", "name of its folder")
case("round-yaml-previous-traversal",
     lambda d: ROUND_FILE(d, GOOD_ROUND + 'previous: "../../etc"\n'), 2,
     "round.yaml", "line 6 (previous)", "'../../etc' is not a valid round id", "earlier round")
case("round-yaml-forces-traversal",
     lambda d: ROUND_FILE(d, GOOD_ROUND + "forces: [west-yorkshire, ../../x]\n"), 2,
     "round.yaml", "line 6 (forces.1)", "'../../x' is not a valid force id", "gapkit forces")
case("round-yaml-empty", lambda d: ROUND_FILE(d, ""), 2,
     "round.yaml", "", "round.yaml is empty; it should hold the round's settings", "docs/dataset.md")
case("round-yaml-a-list", lambda d: ROUND_FILE(d, "- 2019\n"), 2,
     "round.yaml", "line 1", "holds a list", "docs/dataset.md")
case("round-yaml-wrong-round-name", lambda d: ROUND_FILE(d, GOOD_ROUND.replace('"2019"', '"2018"')), 2,
     "round.yaml", "line 1 (round)", "differs from the name of the round's folder, '2019'", 'round: "2019"')
case("round-yaml-unknown-force", lambda d: ROUND_FILE(d, GOOD_ROUND + "forces: [west-yorkshir]\n"), 2,
     "round.yaml", "line 6 (forces.0)", "unknown force 'west-yorkshir'", "did you mean west-yorkshire")
case("round-yaml-impossible-date", lambda d: ROUND_FILE(d, GOOD_ROUND.replace("2019-09-27", "2019-13-01")), 2,
     "round.yaml", "line 3", "'2019-13-01' is not a valid date", "YYYY-MM-DD")
case("round-yaml-date-in-words", lambda d: ROUND_FILE(d, GOOD_ROUND.replace("2019-09-27", "next spring")), 2,
     "round.yaml", "line 3 (as_of)", "valid date", "YYYY-MM-DD")
case("round-yaml-unknown-key", lambda d: ROUND_FILE(d, GOOD_ROUND.replace("title:", "titel:")), 2,
     "round.yaml", "line 2 (titel)", "unknown key 'titel'", "spelling")
case("round-yaml-alias-bomb", lambda d: ROUND_FILE(d, alias_bomb().split("id:")[0].rsplit("\n", 2)[0]
                                                   + "\n" + GOOD_ROUND.replace("title: Test round", "title: *i")), 2,
     "round.yaml", "line", "more than 100 aliases", "max_yaml_aliases")
case("run-round-yaml-traversal-in-run",
     lambda d: run(dataset(d, GOOD_ROUND.replace('"2019"', '"../../escape"'))), 2,
     "round.yaml", "line 1 (round)", "not a valid round id", "name of its folder")
case("run-round-folder-not-an-id", lambda d: run(dataset(d, round_id="Round 2019")), 2,
     "Round 2019", "", "is not a valid round id", "rename the folder")
case("run-round-folder-links-outside",
     lambda d: (write(d / "elsewhere" / "round.yaml", GOOD_ROUND),
                link(d / "data" / "rounds" / "2019", d / "elsewhere"), run(d / "data", "--round", "2019"))[-1], 2,
     "2019", "", "leads outside", "not a link")
case("run-submission-named-not-an-id",
     lambda d: (write(dataset(d) / "rounds" / "2019" / "submissions" / "West Yorkshire.xlsx", b"x"),
                run(d / "data"))[-1], 2,
     "West Yorkshire.xlsx", "", "is not a force id", "rename it to west-yorkshire.xlsx")
case("run-submission-unknown-force",
     lambda d: (write(dataset(d) / "rounds" / "2019" / "submissions" / "atlantis.xlsx", b"x"), run(d / "data"))[-1],
     2, "atlantis.xlsx", "", "'atlantis' is not a known force", "gapkit forces")
case("run-missing-data-folder", lambda d: run(d / "data"), 2,
     "--data", "", "the data folder", "rounds/ROUND/round.yaml")

# ---- plan documents (problems are warnings: a plan never stops the force's assessment) -------------------------

PLANS = lambda d: d / "data" / "rounds" / "2019" / "plans" / "derbyshire"  # noqa: E731

case("plan-symlink", lambda d: ("plan", link(PLANS(d) / "link.md", write(d / "real.md", "The review is done.\n"))),
     "warning", "link.md", "", "symbolic link", "the file itself")
case("plan-symlink-to-dev-zero", lambda d: ("plan", link(PLANS(d) / "zero.md", "/dev/zero")),
     "warning", "zero.md", "", "symbolic link", "the file itself")
case("plan-dangling-symlink", lambda d: ("plan", link(PLANS(d) / "gone.pdf", d / "missing.pdf")),
     "warning", "gone.pdf", "", "symbolic link", "the file itself")
case("plan-fifo", lambda d: ("plan", fifo(PLANS(d) / "pipe.txt")),
     "warning", "pipe.txt", "", "not a regular file", "the file itself")
case("plan-zip-bomb-docx",
     lambda d: ("plan", docx_file(PLANS(d) / "bomb.docx", extra={"word/media/pad.bin": b"\0" * (20 * 2**20)})),
     "warning", "bomb.docx", "", "part word/media/pad.bin unpacks", "max_zip_ratio")
case("plan-entity-bomb-docx",
     lambda d: ("plan", docx_file(PLANS(d) / "lol.docx", replace={"word/document.xml": entity_bomb})),
     "warning", "lol.docx", "part word/document.xml", "declares an XML DTD", "save it again")
case("plan-random-bytes-md", lambda d: ("plan", write(PLANS(d) / "random.md", os.urandom(2 * 2**20))),
     "warning", "random.md", "", "does not look like text", "UTF-8")
case("plan-utf16-without-mark", lambda d: ("plan", write(PLANS(d) / "wide.txt",
                                                        "The vetting review is complete.".encode("utf-16-le"))),
     "warning", "wide.txt", "", "does not look like text", "UTF-8")
case("plan-many-pdf-pages",
     lambda d: ("plan", pdf_pages(PLANS(d) / "many.pdf", default_limits().max_pdf_pages + 500)),
     "warning", "many.pdf", f"pages {default_limits().max_pdf_pages + 1}-", "(max_pdf_pages)", LIMITS)
case("plan-not-a-docx", lambda d: ("plan", write(PLANS(d) / "fake.docx", os.urandom(1000))),
     "warning", "fake.docx", "", "not really a .docx", "save it again")
case("plan-md-with-fffe-and-nul", lambda d: ("plan", write(PLANS(d) / "odd.md", "# Plan\n\nThe vetting review is "
                                                          "com\ufffeplete\x00 and \x07monitored \x1bmonthly by the "
                                                          "board; the counter-corruption unit is staffed.\n")),
     "clean", says="The vetting review is complete and monitored monthly")
case("plan-pdf-with-pdfium-fffe-hyphens", lambda d: ("plan", hyphen_pdf(PLANS(d) / "hyphen.pdf")),
     "clean", says="The vetting review is complete and monitored monthly.")

# ---- command-line options ----------------------------------------------------------------------------------------

case("cli-run-round-traversal", lambda d: run(dataset(d), "--round", "../escape"), 2,
     "--round", "", "'../escape' is not a round id", "round folder under DATA/rounds/")
case("cli-run-out-root", lambda d: ("cli", ["run", "--data", dataset(d), "--out", "/"]), 2,
     "--out", "", "/ is the root of a file system", "outside the dataset folder")
case("cli-run-out-inside-data", lambda d: ("cli", ["run", "--data", dataset(d), "--out", d / "data" / "reports"]), 2,
     "--out", "", "is inside the dataset folder", "outside the dataset folder")
case("cli-run-out-is-data", lambda d: ("cli", ["run", "--data", dataset(d), "--out", d / "data"]), 2,
     "--out", "", "is inside the dataset folder", "outside the dataset folder")
case("cli-run-out-contains-data", lambda d: ("cli", ["run", "--data", dataset(d), "--out", d]), 2,
     "--out", "", "contains the dataset folder", "outside the dataset folder")
case("cli-run-timeout-0", lambda d: run(dataset(d), "--timeout", "0"), 2,
     "--timeout", "", "0 seconds", "--timeout 600")
case("cli-run-timeout-negative", lambda d: run(dataset(d), "--timeout", "-5"), 2,
     "--timeout", "", "-5 seconds", "--timeout 600")
case("cli-run-workers-0", lambda d: ("cli", ["run", "--data", dataset(d), "--workers", "0"]), 2,
     "--workers", "", "from 1 to 16", "--workers 2")
case("cli-run-workers-99", lambda d: ("cli", ["run", "--data", dataset(d), "--workers", "99"]), 2,
     "--workers", "", "from 1 to 16", "--workers 2")
case("cli-run-forces-with-a-path", lambda d: run(dataset(d), "--forces", "west-yorkshire,../../x"), 2,
     "--forces", "", "'../../x' is not a force id", "gapkit forces")
case("cli-pack-round-traversal", lambda d: ("cli", ["pack", "--round", "../../x", "--data", dataset(d)]), 2,
     "--round", "", "is not a round id", "round folder")
case("cli-template-round-traversal",
     lambda d: ("cli", ["template", "--force", "west-yorkshire", "--round", "../x", "--out", d / "t.xlsx"]), 2,
     "--round", "", "is not a round id", "round folder")
case("cli-review-missing-data-folder",
     lambda d: ("cli", ["review", "--force", "west-yorkshire", "--round", "2019", "--data", d / "nowhere"]), 2,
     "--data", "", "does not exist", "rounds/ROUND/round.yaml")
