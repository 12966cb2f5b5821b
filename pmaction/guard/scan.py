"""The sensitive-information guard: what must not reach a public repository's wiki.

A public wiki is readable by anyone, so a post-mortem published there must carry no exploitable
secrets, infrastructure details or personal data. ``scan`` finds likely ones in a text (e-mail
addresses, IP addresses, tokens and keys, ``password=`` style assignments, and the repository's own
internal host patterns); ``redact`` replaces them; ``guard_message`` tells a person what was found,
where, and how to fix it. Pure functions: no I/O, and a finding never carries the whole secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

CONFIG_FILE = ".github/postmortem.yml"


@dataclass(frozen=True)
class Finding:
    kind: str  # email, ipv4, ipv6, github_token, aws_key, private_key, secret_assignment, internal_host
    excerpt: str  # masked: enough to find it again, never the whole value
    where: str  # "<where given to scan>, line N"
    # Character offsets in the scanned text, for ``redact``; not part of a finding's identity.
    span: tuple[int, int] = field(default=(0, 0), compare=False)


# --- detectors ------------------------------------------------------------------------------------

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----(?:.*?-----END \1PRIVATE KEY-----)?", re.DOTALL
)
# Classic (ghp_/gho_/ghu_/ghs_/ghr_) tokens are 36 characters after the prefix; fine-grained PATs longer.
_GITHUB_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,251}|github_pat_[A-Za-z0-9_]{22,240})"
)
_AWS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_SECRET_NAME = (
    r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|"
    r"client[_-]?secret|private[_-]?key)"
)
_ASSIGNMENT = re.compile(
    rf"(?<![\w-])(?P<name>[\w-]*?{_SECRET_NAME})\s*[:=]\s*(?P<quote>[\"']?)(?P<value>[^\s\"'`,;)\]}}]+)(?P=quote)",
    re.IGNORECASE,
)
# Values that are references or placeholders, not secrets.
_PLACEHOLDER = re.compile(
    r"^(?:\$|<|\*|\[|\{|%|x{3,}$|null$|none$|nil$|true$|false$|redacted|changeme$|example|secret$|password$)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
_PUBLIC_MAIL_DOMAINS = ("users.noreply.github.com", "noreply.github.com")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Not glued to letters, digits or dots: "v1.2.3.4" and "1.2.3.4.5" are version strings.
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


def _private_keys(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _PRIVATE_KEY.finditer(text):
        yield match.start(), match.end(), f"-----BEGIN {match.group(1)}PRIVATE KEY-----…"


def _prefix_only(pattern: re.Pattern[str], keep: int) -> Callable[[str], Iterator[tuple[int, int, str]]]:
    def find(text: str) -> Iterator[tuple[int, int, str]]:
        for match in pattern.finditer(text):
            value = match.group(0)
            yield match.start(), match.end(), f"{value[:keep]}…({len(value)} characters)"

    return find


def _looks_secret(value: str) -> bool:
    if _PLACEHOLDER.match(value):
        return False
    has_letter = any(c.isalpha() for c in value)
    has_other = any(not c.isalpha() for c in value)
    # "password: hunter2", "secret=9f8e7d6c"; but not prose like "token: expired".
    return len(value) >= 16 or (len(value) >= 6 and has_letter and has_other)


def _assignments(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _ASSIGNMENT.finditer(text):
        value = match.group("value")
        if _looks_secret(value):
            # Only the value is redacted: "password=[redacted secret_assignment]" still reads.
            yield match.start("value"), match.end("value"), f"{match.group('name')}=…"


def _emails(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _EMAIL.finditer(text):
        local, _, domain = match.group(0).partition("@")
        if domain.lower().endswith(_PUBLIC_MAIL_DOMAINS):
            continue  # GitHub's no-reply addresses are public by design
        yield match.start(), match.end(), f"{local[:1]}…@{domain[:1]}…"


def _ipv4s(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _IPV4.finditer(text):
        address = ipaddress.IPv4Address(match.group(0))
        if address.is_loopback or address.is_unspecified or address.is_multicast:
            continue  # 127.0.0.1 says nothing about anyone's infrastructure
        yield match.start(), match.end(), f"{match.group(0).split('.')[0]}.…"


def _ipv6s(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _IPV6_CANDIDATE.finditer(text):
        value = match.group(0)
        groups = [group for group in value.split(":") if group]
        # Times (09:05:00), "::add-mask::" and "std::x" fail one of these; real addresses do not.
        if len(groups) < 2 or ("::" not in value and value.count(":") != 7):
            continue
        if not any(c.isalpha() for c in value) and not any(len(group) >= 3 for group in groups):
            continue
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        if address.is_loopback or address.is_unspecified:
            continue
        yield match.start(), match.end(), f"{groups[0]}:…"


def _hosts(patterns: Sequence[str]) -> Callable[[str], Iterator[tuple[int, int, str]]]:
    compiled = [re.compile(pattern, re.IGNORECASE) for pattern in patterns if pattern]

    def find(text: str) -> Iterator[tuple[int, int, str]]:
        for pattern in compiled:
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    value = match.group(0)
                    yield match.start(), match.end(), f"{value[:3]}…({len(value)} characters)"

    return find


Detector = Callable[[str], Iterator[tuple[int, int, str]]]  # text -> (start, end, masked excerpt)


def _detectors(host_patterns: Sequence[str]) -> list[tuple[str, Detector]]:
    # Most specific first: where two overlap, the earlier kind wins (a token inside "token=" is a token).
    return [
        ("private_key", _private_keys),
        ("github_token", _prefix_only(_GITHUB_TOKEN, 4)),
        ("aws_key", _prefix_only(_AWS_KEY, 4)),
        ("secret_assignment", _assignments),
        ("email", _emails),  # before host patterns: a match inside an address must not leave its local part
        ("internal_host", _hosts(host_patterns)),
        ("ipv4", _ipv4s),
        ("ipv6", _ipv6s),
    ]


def scan(text: str, *, where: str, host_patterns: Sequence[str] = ()) -> list[Finding]:
    """Likely sensitive values in ``text``, in order of appearance, never two on the same characters.

    ``where`` names the source for the person who must fix it ("the issue body", "comment by bob");
    each finding adds its line number. ``host_patterns`` are the config's ``internal_host_patterns``.
    """
    taken: list[tuple[int, int]] = []
    found: list[Finding] = []
    for kind, detect in _detectors(host_patterns):
        for start, end, excerpt in detect(text):
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            line = text.count("\n", 0, start) + 1
            found.append(Finding(kind, excerpt, f"{where}, line {line}", (start, end)))
    return sorted(found, key=lambda finding: finding.span)


def redact(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with each finding (from ``scan`` of this same text) replaced by ``[redacted <kind>]``."""
    out = text
    for finding in sorted(findings, key=lambda f: f.span, reverse=True):
        start, end = finding.span
        if 0 <= start < end <= len(out):
            out = f"{out[:start]}[redacted {finding.kind}]{out[end:]}"
    return out


_KIND_NAMES = {
    "email": "an e-mail address",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
    "github_token": "a GitHub token",
    "aws_key": "an AWS access key",
    "private_key": "a private key",
    "secret_assignment": "a password or secret",
    "internal_host": "an internal host name",
}


def guard_message(findings: Sequence[Finding], mode: str) -> str:
    """One line per finding for a person: what, where, and the fix. Empty when ``mode`` is off."""
    if mode == "off":
        return ""
    done = (
        "was replaced with [redacted {kind}] and the run fails"
        if mode == "block"
        else "was published as is to the public wiki"
    )
    lines = []
    for finding in findings:
        what = _KIND_NAMES.get(finding.kind, finding.kind)
        outcome = done.format(kind=finding.kind)
        lines.append(
            f"{what[:1].upper()}{what[1:]} ({finding.excerpt}) in {finding.where} {outcome}: "
            f"remove it from {finding.where} or set sensitive_info: off in {CONFIG_FILE}"
        )
    return "\n".join(lines)
