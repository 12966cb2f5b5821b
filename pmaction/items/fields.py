"""What one action item says: owners, type, priority, due date, status, its issue, and its title.

Pure. The item's text (its lines joined, or a table row's title cell) is read token by token; each token a
field takes is cut from the title, anything unrecognised stays in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# GitHub logins: alphanumerics and single inner hyphens, at most 39 characters. Not e-mail addresses, not
# paths, not team mentions (@org/team).
LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_LOGIN = re.compile(rf"^{LOGIN}$")
_OWNER = re.compile(rf"(?<![\w@/.`-])@(?P<login>{LOGIN})(?![\w/-])")
# Anything written like a mention, to say so when it is not a login GitHub allows ("@" + 40 letters).
_MENTION = re.compile(r"(?<![\w@/.`-])@(?P<login>[A-Za-z0-9-]+)(?![\w/])")
_OWNER_LABEL = re.compile(r"(?i)\b(?:owners?|assignees?|assigned\s+to|dri)\s*:?\s*$")
# "Owner: jane" without the @, as a table cell or a labelled field; only a lone word, not "Jane Doe".
_BARE_OWNER = re.compile(
    rf"(?i)\b(?:owners?|assignees?|assigned\s+to|dri)\s*:\s*(?P<login>{LOGIN})(?=\s*(?:$|[,;)|]|\s+[#@(]|\s+P[0-3]\b))"
)
_PRIORITY = re.compile(r"(?i)(?<![\w#/-])(?:priority:\s*)?P(?P<level>[0-3])(?![\w-])")
_DUE = re.compile(r"(?i)(?<![\w/-])due:\s*(?P<date>\d{4}-\d{2}-\d{2})(?![\w-])")
# "(#123)" in an issue (GitHub autolinks it), "([#123](url))" on a wiki page (wikis do not autolink).
REF = re.compile(r"\((?:#(?P<number>\d{1,10})|\[#(?P<linked>\d{1,10})\]\((?P<url>[^()\s]*)\))\)[ \t]*$")
# Masked before looking for tokens: code spans, link targets and bare URLs (``https://x/#prevent``).
_OPAQUE = re.compile(r"`+[^`]*`+|\]\([^)]*\)|<https?://[^>]*>|https?://\S+")

# A status the write-up gives, at the start or the end: "DONE" / "TODO" in capitals, or any case when marked
# as one ("(Done)", "[done]", "**Done**"), or a check-mark emoji. A plain "closed" ends many a sentence.
_DONE = re.compile(r"(?i)^(?:done|completed?|fixed|resolved|closed|finished|shipped|merged|✅|✔️?|☑️?)$")
_WORDS = (
    r"(?i:done|completed?|fixed|resolved|closed|finished|shipped|merged"
    r"|to[ -]?do|open|in[ -]progress|wip|ongoing|planned|not[ -]started|pending)"
)
_CAPS = r"DONE|COMPLETED?|FIXED|TODO|TO DO|WIP|IN PROGRESS"
_TOKEN = rf"\((?P<a>{_WORDS})\)|\[(?P<b>{_WORDS})\]|(?:\*\*|__)(?P<c>{_WORDS})(?:\*\*|__)|(?P<d>✅|✔️?|☑️?|⏳)"
# Matched against the text with its trailing spaces and dots cut, so no pattern starts with a run of spaces
# (a search would try it from every space: quadratic on a long line).
_STATUS_END = re.compile(rf"(?:{_TOKEN}|(?<![^\s:–—-])(?P<e>{_CAPS}))$")
_STATUS_START = re.compile(rf"^[ \t]*(?:{_TOKEN}|(?P<e>{_CAPS})(?=[ \t]*[:–—-]))[ \t:–—-]*")
_STATUS_CELL = re.compile(rf"^(?:{_TOKEN}|(?P<e>{_WORDS}))$")


def _status_word(found: re.Match[str]) -> str:
    word = next(found[g] for g in "abcde" if found[g] is not None)
    return "done" if _DONE.match(word) else "todo"


@dataclass(frozen=True)
class Fields:
    title: str
    owners: tuple[str, ...]
    type: str | None
    priority: str | None
    due: date | None
    ref: int | None  # this repository's issue the item names
    tracked: str | None  # an issue or bug elsewhere the item names (a URL, "Bug 5554823", "org/repo#12")
    status: str | None  # "done" | "todo", as written
    warnings: tuple[str, ...]
    link_at: int = -1  # where the annotation goes in the item's last line (set by the caller)


def mask(text: str) -> str:
    return _OPAQUE.sub(lambda m: "\0" * len(m.group(0)), text)


def trailing_ref(text: str, repo: str | None) -> tuple[int | None, str | None, re.Match[str] | None]:
    """(our issue, an issue elsewhere, the match) of a trailing ``(#123)`` / ``([#123](url))``."""
    found = REF.search(text)
    if found is None:
        return None, None, None
    number = int(found["number"] or found["linked"])
    url = found["url"]
    if url and repo and not _names_our_issue(url, repo, number):
        return None, url, found
    return number, None, found


def _names_our_issue(url: str, repo: str, number: int) -> bool:
    return re.search(rf"/{re.escape(repo)}/(?:issues|pull)/{number}(?:[/?#]|$)", url, re.I) is not None


def parse_fields(
    text: str,
    taxonomy: Sequence[str],
    where: str,
    *,
    repo: str | None = None,
    definitions: Mapping[str, str] | None = None,
    first_line: str | None = None,
) -> Fields:
    """The fields of one item's text. ``first_line`` (of a wrapped item) may carry the reference too: older
    pmaction versions annotated the first line."""
    ref, tracked, ref_match = trailing_ref(text, repo)
    if ref_match is None and first_line is not None and first_line != text:
        ref, tracked, first_match = trailing_ref(first_line, repo)
        if first_match is not None:
            text = text.replace(first_match.group(0).strip(), " ", 1)
    elif ref_match:
        text = text[: ref_match.start()]
    text, status = status_of(text)
    if ref is None and tracked is None:
        text, ref, tracked = linked(text, repo, definitions or {})
    masked = mask(text)
    owners, owner_spans, owner_warnings = _owners(text, masked, where)
    item_type, type_spans, type_warnings = _item_type(masked, taxonomy, where)
    priority, priority_spans, priority_warnings = _priority(masked, where)
    due, due_spans, due_warnings = _due(masked, where)
    spans = [*owner_spans, *type_spans, *priority_spans, *due_spans]
    warnings = (*owner_warnings, *type_warnings, *priority_warnings, *due_warnings)
    title = label_title(title_without(text, spans))
    return Fields(title, owners, item_type, priority, due, ref, tracked, status, warnings)


def status_of(text: str) -> tuple[str, str | None]:
    """The text without a status word at its start or end, and that status ("done" / "todo")."""
    for pattern, subject in ((_STATUS_END, text.rstrip(" \t.")), (_STATUS_START, text)):
        found = pattern.search(subject)
        # A lone word is the item, not its status ("- Open").
        if found and subject[: found.start()].strip() + subject[found.end() :].strip():
            return subject[: found.start()] + " " + subject[found.end() :], _status_word(found)
    return text, None


def status_cell(cell: str) -> str | None:
    found = _STATUS_CELL.match(cell.strip())
    return None if found is None else _status_word(found)


# --- links to an issue the item already has -----------------------------------------------------------------

_INLINE_LINK = r"\[(?P<text>[^\]\n]*)\]\((?P<url>[^)\s]{1,2000})(?:[ \t]+\"[^\"]*\")?\)"
_REF_LINK = r"\[(?P<rtext>[^\]\n]+)\](?:\[(?P<label>[^\]\n]*)\])?"
_BARE_URL = r"<?(?P<bare>https?://[^\s<>]*[^\s<>.,;:)\]])>?"
_BUG = r"\b(?P<bug>(?:bug|issue|ticket|task)\s*#?\s*(?:[A-Z]{1,3}-?)?\d{3,}|b/\d{3,})\b"
_CROSS = r"(?<![\w/])(?P<cross>[\w.-]+/[\w.-]+#(?P<cross_number>\d+))\b"
_TOKENS = f"{_INLINE_LINK}|{_REF_LINK}|{_BARE_URL}|{_BUG}|{_CROSS}"
_EDGE = " \t-–—:;,.*_([)]"
_LEAD = " \t-–—:;,.*_"  # what may stand before a leading reference ("[" and "(" open one)
_TAIL = 2000  # a trailing reference starts within this many characters of the end
_LINK_TOKEN = re.compile(f"(?P<tok>{_TOKENS})", re.I)
_LINK_END = re.compile(f"(?P<tok>{_TOKENS})[{re.escape(_EDGE)}]*$", re.I)
# A URL that points at tracked work: an issue, a pull or merge request, a ticket, a bug, a task.
_TRACKER_URL = re.compile(
    r"/(?:issues?|pulls?|merge_requests|work_items|tickets?|tasks?|cases?|bugs?)(?:[/?#]|$)"
    r"|/browse/[A-Z][A-Z0-9]+-\d+|show_bug|[/.]bugs?[./]|jira|linear\.app|youtrack",
    re.I,
)


def linked(text: str, repo: str | None, definitions: Mapping[str, str]) -> tuple[str, int | None, str | None]:
    """An issue link at the very start or end of the item (or wrapping all of it): the item's issue; one in
    the middle of the sentence is a link for context. Returns the text with that reference cut (a link's
    text kept), our issue, or an issue elsewhere."""
    lead = len(text) - len(text.lstrip(_LEAD))
    # Only where a reference can stand: a match at the start, a search over the last characters for one that
    # ends the text (a search over all of a long line would be quadratic).
    starts = (_LINK_TOKEN.match(text, lead), _LINK_END.search(text, max(lead, len(text) - _TAIL)))
    for match in starts:
        if match is None:
            continue
        target = _target(match, definitions)
        if target is None or _CONTEXT.search(text, max(0, match.start("tok") - 40), match.start("tok")):
            continue
        start, end = match.span("tok")
        before, after = text[:start], text[end:]
        number = _our_number(target, repo, match)
        kept = match["text"] if match["text"] is not None else ""
        if not before.strip(_EDGE):  # "[#2226]: Add logging": the separator goes with the reference
            before, after = "", after.lstrip(" \t:–—-")
        else:
            before = before.rstrip(" \t:–—-")
        if not (before + kept + after).strip(_EDGE):
            kept = match["text"] or match["tok"]  # the link is all there is: keep it as the title
        return before + kept + after, number, None if number is not None else target
    return text, None, None


# A link the item points the reader to ("(see https://...)", "cf. #12", "e.g. [PR](...)") is context, such as
# the upstream change the work waits for, not the item's own issue.
_CONTEXT = re.compile(
    r"(?i)(?:\bsee(?:\s+also)?|\bcf\.?|\be\.g\.?|\bi\.e\.?|\bsimilar\s+to|\brelated\s+to)[ \t:]*[(\[]?[ \t]*$"
)


def _target(match: re.Match[str], definitions: Mapping[str, str]) -> str | None:
    if match["bug"] or match["cross"]:
        return match["bug"] or match["cross"]
    if match["rtext"] is not None:
        label = " ".join((match["label"] or match["rtext"]).lower().split())
        url = definitions.get(label)
    else:
        url = match["url"] or match["bare"]
    return url if url and _TRACKER_URL.search(url) else None


def _our_number(target: str, repo: str | None, match: re.Match[str]) -> int | None:
    if not repo:
        return None
    if match["cross"]:
        name, _, number = target.partition("#")
        return int(number) if name.lower() == repo.lower() else None
    found = re.search(rf"/{re.escape(repo)}/(?:issues|pull)/(\d+)(?:[/?#]|$)", target, re.I)
    return int(found[1]) if found else None


# --- the other fields: each returns (value, the spans its tokens cover, warnings) ---------------------------

_Spans = list[tuple[int, int]]


def _owners(text: str, masked: str, where: str) -> tuple[tuple[str, ...], _Spans, list[str]]:
    owners: list[str] = []
    spans: _Spans = []
    for match in _OWNER.finditer(masked):
        _add_owner(owners, text[match.start("login") : match.end("login")])
        spans.append(match.span())
        label = _OWNER_LABEL.search(masked, 0, match.start())
        if label:
            spans.append(label.span())
    for match in _BARE_OWNER.finditer(masked):
        _add_owner(owners, text[match.start("login") : match.end("login")])
        spans.append(match.span())
    warnings = [
        f"{where}: @{match['login']} is not a GitHub login (at most 39 letters, digits or single inner "
        "hyphens), so nobody is assigned for it; it stays in the item's text: correct the login"
        for match in _MENTION.finditer(masked)
        if not _LOGIN.match(match["login"])
    ]
    return tuple(owners), spans, warnings


def _add_owner(owners: list[str], login: str) -> None:
    if login.lower() not in (o.lower() for o in owners):
        owners.append(login)


def owners_in_cell(cell: str) -> tuple[str, ...]:
    """A table's owner cell: ``@alice, @bob``, ``jennifer``, ``alice & bob``; "Jane Doe" is no login."""
    owners: list[str] = []
    for part in re.split(r"\s*(?:,|;|&|/|\band\b)\s*", cell.strip()):
        login = part.strip().lstrip("@").strip("*_` ")
        if _LOGIN.match(login):
            _add_owner(owners, login)
    return tuple(owners)


def _item_type(masked: str, taxonomy: Sequence[str], where: str) -> tuple[str | None, _Spans, list[str]]:
    kinds = [t.lower() for t in taxonomy]
    if not kinds:
        return None, [], []
    type_re = re.compile(
        r"(?i)(?<![\w&#/])#(?P<type>" + "|".join(re.escape(k) for k in kinds) + r")(?![\w/-])"
    )
    item_type = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in type_re.finditer(masked):
        found = match.group("type").lower()
        if item_type is None:
            item_type = found
        elif found != item_type:
            warnings.append(f"{where} has two types (#{item_type}, #{found}); using #{item_type}")
        spans.append(match.span())
    return item_type, spans, warnings


def _priority(masked: str, where: str) -> tuple[str | None, _Spans, list[str]]:
    priority = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in _PRIORITY.finditer(masked):
        found = f"P{match.group('level')}"
        if priority is None:
            priority = found
        elif found != priority:
            warnings.append(f"{where} has two priorities ({priority}, {found}); using {priority}")
        spans.append(match.span())
    return priority, spans, warnings


def _due(masked: str, where: str) -> tuple[date | None, _Spans, list[str]]:
    due = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in _DUE.finditer(masked):
        try:
            value = date.fromisoformat(match.group("date"))
        except ValueError:
            warnings.append(f"{where}: due:{match.group('date')} is not a date; write due:YYYY-MM-DD")
            continue
        if due is None:
            due = value
        spans.append(match.span())
    return due, spans, warnings


def title_without(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(start, end):
            keep[i] = False
    title = "".join(ch if keep[i] else " " for i, ch in enumerate(text))
    title = re.sub(r"\s+", " ", title)
    # Separators left behind by removed tokens: "fix it ( , )" -> "fix it".
    title = re.sub(r"\s+([,;.:!?)\]])", r"\1", title)
    title = re.sub(r"[(\[]\s*[,;&]*\s*[)\]]", "", title)
    title = re.sub(r"(?:[,;&]\s*)+([)\]]|$)", r"\1", title)
    title = re.sub(r"\s+", " ", title)
    return title.strip().strip(",;&").rstrip(" -–—:").strip()


# "**Make sure X**: why it matters" or "**Make sure X:** why": the bold part is the title.
_BOLD_LABEL = re.compile(
    r"^(\*\*|__)(?P<label>[^*_\n]+?)[ \t]*:?[ \t]*\1[ \t]*(?::|[-–—])?[ \t]+(?P<rest>\S.*)$"
)


def label_title(title: str) -> str:
    found = _BOLD_LABEL.match(title)
    return found["label"].strip().rstrip(":").strip() if found else title


# --- proposals --------------------------------------------------------------------------------------------

_PROPOSAL = re.compile(
    r"(?i)^(?:consider(?:ing)?\b|maybe\b|perhaps\b|possibly\b|potentially\b|could\s+we\b|should\s+we\b"
    r"|we\s+(?:could|might|may)\b|we\s+should\s+(?:consider|explore|evaluate|look\s+into|think\s+about)\b"
    r"|(?:idea|proposal|proposed|suggestion|optional|nice[\s-]to[\s-]have|open\s+question)\s*:"
    r"|nice[\s-]to[\s-]have\b"
    # A condition on what the team lacks yet: "If tools such as X are available, ...", "If possible, ..."
    r"|if\s+(?:possible|feasible|time\s+permits)\b|if\b[^,.;:]{0,120}\b(?:available|possible|feasible)\s*,)"
    r"|\((?:proposed|proposal|idea|optional|maybe)\)|\?\s*$"
)


def _words(text: str) -> str:
    """The text as read for its wording: without emphasis and code markers."""
    return re.sub(r"[*_`]", "", text).strip()


def worded_as_proposal(text: str) -> bool:
    """ "Consider ...", "We could ...", "Maybe ...", "Idea: ...", "If X is available, ...", a question: an
    idea, not a decision."""
    return _PROPOSAL.search(_words(text)) is not None


# The team saying it will do what follows: "We will ...", "The development team will conduct the following
# actions", "We are committed to:". Said by others ("Node operators should do ...") it is advice.
_COMMITMENT = re.compile(
    r"(?i)\bwe['’]ll\b|\b(?:we|(?:the|our)\s+(?:[\w-]+\s+){0,2}team)\s+(?:will(?!\s+not\b)|shall\b"
    r"|are\s+going\s+to|(?:are|have)\s+committed\s+to|commit\s+to|have\s+(?:decided|agreed)\s+to)"
)


def worded_as_commitment(text: str) -> bool:
    """ "We will ...", "The team will conduct the following actions": the team commits to what follows."""
    return _COMMITMENT.search(_words(text)) is not None
