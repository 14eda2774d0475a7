"""How far a plan has got, read from one unit of text (a sentence, list item or table row) on its own.

NegEx-style (Chapman et al., 2001): trigger terms negate what follows them up to the end of the clause, termination
terms end a clause, pseudo-triggers ("not only") are not negations. Each clause is read for scope (another
organisation's arrangements are not this force's evidence), cancellation, negation, tense and aspect, hedges. The
term lists are data (data/config/evidence_cues.yaml); the method is in docs/evidence.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from gapkit.catalogue.forces import registry
from gapkit.catalogue.textmatch import expand, named_words
from gapkit.catalogue.vocabulary import norm, status_words
from gapkit.core import paths
from gapkit.core.yamlio import load_model

CUES_FILE = paths.CONFIG_DIR / "evidence_cues.yaml"


class _Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other: list[str]
    self: list[str]


class CueFile(BaseModel):
    """data/config/evidence_cues.yaml: every pattern must compile."""
    model_config = ConfigDict(extra="forbid")
    version: str
    termination: list[str]
    scope: _Scope
    cancelled: list[str]
    replanned: list[str]
    pseudo_negations: list[str]
    negation_triggers: list[str]
    still_intended: list[str]
    levels: dict[int, list[str]]
    future: list[str]
    began: list[str]
    continuing: list[str]
    undecided: list[str]
    remainder: list[str]
    hedges: list[str]
    says_nothing: list[str]
    reactive: list[str]
    imperative: list[str]
    schedule: list[str]
    goes_on: list[str]

    @field_validator("termination", "cancelled", "replanned", "pseudo_negations", "negation_triggers",
                     "still_intended", "future", "began", "continuing", "undecided", "remainder", "hedges",
                     "says_nothing", "reactive", "imperative", "schedule", "goes_on")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"'{p}' is not a valid regular expression ({exc})") from None
        return patterns


def _any(patterns: list[str]) -> re.Pattern:
    """One pattern matching any of the phrases as whole words."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Cues:
    version: str
    termination: re.Pattern
    other: re.Pattern
    self_: re.Pattern
    cancelled: re.Pattern
    replanned: re.Pattern
    pseudo: re.Pattern
    trigger: re.Pattern
    still_intended: re.Pattern
    levels: dict[int, re.Pattern]
    future: re.Pattern
    began: re.Pattern
    continuing: re.Pattern
    undecided: re.Pattern
    remainder: re.Pattern
    hedges: re.Pattern
    says_nothing: re.Pattern
    reactive: re.Pattern
    imperative: re.Pattern
    schedule: re.Pattern
    goes_on: re.Pattern


@lru_cache(maxsize=2)
def cues(path: Path = CUES_FILE) -> Cues:
    data = load_model(path, CueFile)
    return Cues(data.version, re.compile(r"\s*(?:;|:\s|\s[-–—]\s|,?\s\b(?:" + "|".join(data.termination) + r")\b,?)\s*",
                                         re.IGNORECASE),
                _any(data.scope.other), _any(data.scope.self), _any(data.cancelled), _any(data.replanned),
                _any(data.pseudo_negations), _any(data.negation_triggers), _any(data.still_intended),
                {lv: _any(p) for lv, p in sorted(data.levels.items())}, _any(data.future), _any(data.began),
                _any(data.continuing), _any(data.undecided), _any(data.remainder), _any(data.hedges),
                _any(data.says_nothing), _any(data.reactive), _any(data.imperative), _any(data.schedule),
                _any(data.goes_on + data.continuing))


@dataclass(frozen=True)
class Status:
    """What a unit says: a level (None: it says nothing about progress), the words that decided it, and how."""
    level: int | None
    phrase: str = ""
    kind: str = "no cue"  # in place / started / planned / negated / cancelled / hedged / status word / no cue / scope
    clause: str = ""

    @property
    def about_other(self) -> bool:
        return self.kind == "scope"


@lru_cache(maxsize=64)
def other_forces(own: str = "") -> re.Pattern:
    """The names of the forces of England and Wales (data/reference/forces.csv) other than `own` (a force id), as a
    force's plan would write them: 'Kent Police', 'Lancashire Constabulary', 'Kent's'."""
    others = [row for row in registry().itertuples() if row.force_id != own]
    names = {re.escape(row.official_name) for row in others if row.official_name}
    names |= {re.escape(row.pfa_name) + r"(?: Police| Constabulary|'s)" for row in others if row.pfa_name}
    bare = {re.escape(row.pfa_name) for row in others if row.pfa_name}
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(names, key=len, reverse=True)) + r")(?![\w-])"
                      # a force's bare name opening a clause: "Derbyshire monitors every keystroke"
                      r"|(?:^\W*(?:in |at |by )?|\bthat )(?:" + "|".join(sorted(bare, key=len, reverse=True)) + r")\b(?!')")


# ", and" before a new subject ends a negation's scope, as a termination term does ("we do not yet have the software,
# and a business case will go to the board in January"); elsewhere it joins one statement and is not a clause break
NEGATION_ENDS = re.compile(r",\s+and\s+(?=(?:a|an|the|we|our|it|they|this|these|its|their|every|all)\b)", re.IGNORECASE)


def clauses(text: str) -> list[str]:
    c = cues()
    out = []
    for part in c.termination.split(text):
        if not part or not part.strip():
            continue
        negated = c.trigger.search(c.pseudo.sub(" ", part))
        out += NEGATION_ENDS.split(part, maxsplit=1) if negated and NEGATION_ENDS.search(part, negated.end()) else [part]
    return out


KINDS = {1: "planned", 2: "started", 3: "in place"}
RELATIVE = re.compile(r"\W*(which|who|whom|whose|that|where)\b", re.IGNORECASE)
EXTEND_FROM = re.compile(r"\bextend(s|ed|ing)?( [\w'-]+){0,5} from( [\w'-]+){1,5} to\b", re.IGNORECASE)
OPENS_UNDECIDED = re.compile(r"\W*(whether)\b", re.IGNORECASE)
QUESTION = re.compile(r"\?[\s*_\"'’”)]*$")
CONTRAST = re.compile(r"\b(unlike|like|as in|compared (with|to)|following|learning from)\b", re.IGNORECASE)


def about_another_organisation(clause: str, own: str = "") -> str:
    """The words saying a clause is about someone else's arrangements ('' when it is about this force, `own`)."""
    c = cues()
    m = c.other.search(clause) or other_forces(own).search(clause)
    if m and not c.self_.search(clause) and not CONTRAST.search(clause[:m.start()]):
        return m.group(0).strip()
    return ""


def this_force_part(clause: str, own: str = "") -> str:
    """The part of a clause about this force: all of it, or, when it opens with another organisation and turns to
    this force ('Kent Police's system ... was shown to our board'), the part from the turn on."""
    c = cues()
    m = c.other.search(clause) or other_forces(own).search(clause)
    mine = c.self_.search(clause)
    if m and mine and m.start() < mine.start() and not CONTRAST.search(clause[:m.start()]):
        return clause[mine.start():]
    return clause


def clause_status(clause: str, own: str = "", terms: set[str] | None = None, opens_item: bool = False) -> Status:
    """`opens_item`: the clause opens its unit, or follows the date of a milestone ("June 2018: brief the IDVAs"), so
    a verb that opens it is the plan's instruction ("Hold a workshop ..."), not a statement of practice."""
    c = cues()
    other = about_another_organisation(clause, own)
    if other:
        return Status(None, other, "scope", clause)
    clause = this_force_part(clause, own)
    if m := c.says_nothing.search(clause):  # what a document says or leaves out, a question put: not progress
        return Status(None, m.group(0), "says nothing of progress", clause)
    for pattern, level, kind in ((c.replanned, 1, "planned"), (c.cancelled, 0, "cancelled")):
        if m := pattern.search(clause):
            return Status(level, m.group(0), kind, clause)
    plain = c.pseudo.sub(" ", clause)
    if m := OPENS_UNDECIDED.match(plain):  # "Whether the unit needs more staff will be decided after a review, which..."
        return Status(0, m.group(1), "undecided", clause)
    if m := c.still_intended.search(plain):
        said = Status(1, m.group(0), "negated", clause)
        # a statement of its own before it ("agreement signed, not yet operating", "Licence bought | Configuration
        # not yet begun"), not its subject ("Work has not yet started")
        head = re.split(r"(,|\s\|\s)", plain[:m.start()])  # [text, separator, text, ...]
        # the cell before it in a row, or the one statement before a comma ("agreement signed, not yet operating");
        # not a clause between commas ("The ACU, which is fully staffed, has not yet begun")
        before = (clause_status(head[-3], own) if len(head) > 2 and ("|" in head[-2] or len(head) == 3)
                  and not RELATIVE.match(head[-3]) else None)
        if before is not None and before.level == 2:  # "agreement signed, not yet operating": started
            return before
        if before is not None and before.level == 3 and before.kind != "scope":  # "review reported, posts not yet
            return partly(before, said, clause)  # filled": done in part, the rest to come
        return said
    m = c.trigger.search(plain)
    if m and _negates_progress(plain[m.end():]):
        before = clause_status(plain[:m.start()], own) if m.start() > 0 else None
        named_before = not terms or terms & set(named_words(expand(plain[:m.start()])))
        if before is not None and before.level is not None and before.kind != "scope" and named_before:
            return before  # a negation's scope runs forward: "already in place and not covered here"
        return Status(0, f"{m.group(0)} …", "negated", clause)
    if m := c.reactive.search(plain):  # audit only when a complaint names someone: reactive, not monitoring
        return Status(0, m.group(0), "reactive only", clause)
    if m := EXTEND_FROM.search(plain):  # "extend audit from PNC to Niche and e-mail": live on PNC, the rest to come
        return Status(2, m.group(0), "partly", clause)
    # in this order: practice that goes on, the future (which governs its clause), no decision yet, a hedged intention
    for pattern, level, kind in ((c.continuing, 3, "in place"), (c.future, 1, "planned"), (c.imperative, 1, "instruction"),
                                 (c.undecided, 0, "undecided"), (c.hedges, 1, "hedged")):
        if pattern is c.imperative and not opens_item:
            continue
        if m := pattern.search(plain):
            return Status(level, m.group(0), kind, clause)
    words = status_words()
    if (word := words.get(norm(clause))) is not None:  # "MV for all PSD posts: complete."
        return Status(int(word), clause.strip(" ."), "status word", clause)
    if share := share_done(plain):  # "3 of 5 recommendations delivered": the rest are not, whatever the verb says
        return Status(2, share, "started", clause)
    # the most specific cue decides: the longest phrase ("the appointment ... was confirmed" over "was confirmed");
    # on a tie, the lower level (the more careful reading)
    found = [(len(m.group(0)), -level, level, m.group(0)) for level, p in c.levels.items()
             for m in p.finditer(clause)]
    if found:
        _, _, level, phrase = max(found)
        concrete = [f for f in found if f[2] == 2 and CONCRETE.search(f[3])]
        if level == 1 and concrete:  # signed or bought, the first meeting still to come: started (guide, rule 4)
            _, _, level, phrase = max(concrete)
        done = [f for f in found if f[2] == 3]
        if level == 1 and done and c.remainder.search(phrase):  # "has reached ..., with ... still to come"
            return partly(Status(3, max(done)[3]), Status(1, phrase), clause)
        return Status(level, phrase, KINDS[level], clause)
    began = c.began.search(plain)  # begun at some time, and nothing says it is in place now
    if began:
        return Status(2, began.group(0), "started", clause)
    if m := c.schedule.search(clause):  # "June 2018" labelling an item of a list of milestones
        return Status(1, m.group(0).strip(), "milestone", clause)
    return Status(None, "", "no cue", clause)


NUMBER_WORDS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
_COUNT = r"(\d[\d,]*|" + "|".join(NUMBER_WORDS) + r")"
SHARE = re.compile(rf"\b{_COUNT} (?:of|out of) (?:the |its |our |their )?{_COUNT}\b", re.IGNORECASE)


def _count(word: str) -> int:
    return NUMBER_WORDS.get(word.lower()) or int(word.replace(",", ""))


def share_done(clause: str) -> str:
    """The words of a count short of the whole ("3 of 5", "two out of the eight", "1,140 of 1,312"): some done and
    the rest not, so started; '' when there is none, or the count is the whole ("5 of 5")."""
    for m in SHARE.finditer(clause):
        done, whole = _count(m.group(1)), _count(m.group(2))
        if 0 < done < whole:
            return m.group(0)
    return ""


def _negates_progress(rest: str) -> bool:
    """A negation counts when something follows it in its clause (a bare 'no.' says nothing)."""
    return bool(re.search(r"[a-z]", rest, re.IGNORECASE))


# something concrete outside the force's own intention (the labelling guide, rule 4): beside the next step still to
# come ("a protocol has been signed, and the first joint meeting is arranged for February") it is started
CONCRETE = re.compile(r"\b(signed(?! off)|let|awarded|bought|purchased|procured|licen[cs]e)\b", re.IGNORECASE)
# what has to happen before something is complete ("Complete: signed by all four providers"): never less than it
PREREQUISITE = re.compile(r"\b(signed|agreed|approved|appointed|bought|purchased|recruited|advertised)\b", re.IGNORECASE)
# status words that do not say how far the work has got when the row's own words do: RAG colours (confidence in a
# due date, as trackers' keys say) and "None" (an empty risks or issues column)
WEAK_STATUS_WORDS = {"red", "amber", "green", "blue", "none"}


def _cells_say(cells: list[str]) -> Status | None:
    """What the other cells of a row say, when they say it in words ("Growth bid not funded", "in use since 1 May"),
    read as one unit (so "joined in September ...; a third post is approved for April" is partly)."""
    said = unit_status("; ".join(c for c in cells if c.strip()))
    return None if said.level is None or said.kind in ("hedged", "milestone") else said


def table_row_status(cells: list[str]) -> Status | None:
    """A table row whose cell is a status word ('Complete', 'Not started', 'Amber'): that level. A status word
    beats a RAG colour in the same row ("Red | Not started")."""
    for n, cell in enumerate(cells):  # "New e-learning deferred; the annual input continues unchanged | Deferred":
        if cues().cancelled.fullmatch(_cell_head(cell).strip(" .")):  # the practice that goes on keeps its level
            said = _cells_say(cells[:n] + cells[n + 1:])  # (the labelling guide, rule 2)
            if said is not None and said.level == 3 and goes_on(said):
                return said
    found = sorted(_status_cells(cells), key=lambda f: f[1] in WEAK_STATUS_WORDS)
    if not found:
        return None
    n, key, rest = found[0]
    status = Status(int(status_words()[key]), cells[n].strip(), "status word", " | ".join(cells))
    if key in WEAK_STATUS_WORDS:  # a RAG colour rates confidence in a date, and "None" may be a risk
        said = _cells_say(cells[:n] + cells[n + 1:])
        if said is not None:
            return said
    if status.level == 3:  # "Complete (pilot only)", "Complete | roll-out not yet scheduled"
        for other in [rest, *cells[:n], *cells[n + 1:]]:
            for clause in clauses(other):
                said = clause_status(clause)
                if (said.kind not in ("hedged", "milestone") and says_less(said)
                        and not PREREQUISITE.search(said.phrase)):
                    return partly(status, said, status.clause)
    return status


def _cell_head(cell: str) -> str:
    """A cell's opening words, before any comment on them ("Complete; two DCs added", "Deferred - no new date")."""
    return re.split(r"[;,:(]|\s[-–—]\s", cell)[0]


def _status_cells(cells: list[str]) -> Iterator[tuple[int, str, str]]:
    """(cell number, status word, the rest of the cell) for each cell that is or opens with a status word."""
    words = status_words()
    for n, cell in enumerate(cells):
        head = _cell_head(cell)
        for key, rest in ((norm(cell), ""), (norm(head), cell[len(head):])):  # "Complete; two DCs added"
            if key in words and words[key] is not None:
                yield n, key, rest
                break


COLON_LABEL_WORDS = 6  # "Partners ACTION DI ACU: write to the chairs ...": a short label before a colon opens an item


def _is_label(clause: str) -> bool:
    return 0 < len(clause.split()) <= COLON_LABEL_WORDS and not re.search(r"[.!?]$", clause.strip())


REFERS_BACK = re.compile(r"\W*(its|it|they|their|them|he|she|his|her|which|who|whose|both|each|neither|will|shall|plans?|"
                         r"intends?|is due|are due)\b",
                         re.IGNORECASE)  # a clause with no subject of its own, or a pronoun for the one before


def unit_status(text: str, terms: set[str] | None = None, own: str = "") -> Status:
    """The status of a unit: from the clauses that name the requirement (by its terms) when there are any, else from
    all its clauses. In place in one clause and not in another (about the same thing) is started. `own` is the
    force whose plan it is (its own name is not another force)."""
    if " | " in text:
        row = table_row_status(text.split(" | "))
        if row is not None:
            return row
    parts = clauses(text) or [text]
    parts = [p for p in parts if not QUESTION.search(p)] or [""]  # a question says nothing of progress
    read: list[Status] = []
    for n, p in enumerate(parts):
        if read and read[-1].about_other and REFERS_BACK.match(p):  # "Kent Police ..., and its review found ..."
            read.append(Status(None, read[-1].phrase, "scope", p))
            continue
        opens = not read or read[-1].kind == "milestone" or read[-1].level is None and _is_label(parts[len(read) - 1])
        said = clause_status(p, own, terms, opens_item=opens)
        if said.kind == "milestone" and (n > 0 or len(parts) == 1):  # a date leads an item ("June 2018: ..."), or
            said = Status(None, "", "no cue", p)  # it is just a date ("Date: 4 December 2017")
        read.append(said)
    if terms:  # the clauses naming the requirement say how far it has got; if they say nothing, the others do
        # (with a clause about the rest of it, "the remainder are booked for spring")
        named = [terms & set(named_words(expand(p))) for p in parts]
        if " | " in text and any(named):
            named = [{True}] * len(parts)  # a table row is about its action, cell by cell
        elif len(parts) > 1 and named[0] and read[0].level is None and _is_label(parts[0]):
            named = [named[0]] * len(parts)  # "Protective monitoring: licence bought in November; installation ..."
        if any(s.level is not None for s, n in zip(read, named) if n):
            read = [s for p, s, n in zip(parts, read, named) if n or cues().remainder.search(p)]
    cued = [s for s in read if s.level is not None]
    if not cued:
        scope = [s for s in read if s.about_other]
        return scope[0] if scope else Status(None, "", "no cue", text)
    firm = [s for s in cued if s.kind != "hedged"] or cued
    if any(s.kind == "cancelled" for s in firm):
        # beside something dropped, only practice said to go on keeps a level ("Procurement is paused while the
        # programme is reworked" is no practice; "the annual input continues unchanged" is)
        firm = [s for s in firm if s.level != 3 or goes_on(s)] or firm
    if any(s.kind == "reactive only" for s in firm):
        # audit run when a complaint arrives, however often ("eleven such audits this year"), is reactive, not
        # monitoring (rule 11); an improvement planned beside it still counts
        firm = [s for s in firm if s.level != 3]
    best = max(firm, key=lambda s: s.level)
    lower = [s for s in firm if says_less(s)]
    if best.level == 3 and lower:
        return partly(best, max(lower, key=lambda s: s.level), text)
    return best


def goes_on(status: Status) -> bool:
    """Practice said to go on (beside something dropped, only this keeps its level): "continues unchanged", "stays
    open", "every month", not any present tense ("procurement is paused while the programme is reworked")."""
    return status.level == 3 and bool(cues().goes_on.search(status.clause))


def says_less(status: Status) -> bool:
    """Beside something in place, this says part of it is not: planned or started, or not done for the rest of it."""
    return status.level in (1, 2) or status.level == 0 and bool(cues().remainder.search(status.clause))


def partly(done: Status, rest: Status, text: str) -> Status:
    """In place in one part and not (or not yet) in another: started."""
    return Status(2, f"{done.phrase}\" … \"{rest.phrase}", "partly", text)


REST_OPENING = 40  # characters: a remainder this near a sentence's start is what the sentence is about


def rest_not_done(text: str, terms: set[str] | None = None, own: str = "") -> Status | None:
    """A sentence about the rest of something (it names the requirement, by `terms`, or opens with the rest:
    "Other systems come next year."), saying it is not yet done: its status; None when it is not about a
    remainder or says it is in place."""
    rest = cues().remainder.search(text)
    if not rest or not (rest.start() < REST_OPENING or terms and terms & set(named_words(expand(text)))):
        return None
    status = unit_status(text, terms, own)
    if status.level is None or status.level == 3 or status.about_other:
        return None
    return status
