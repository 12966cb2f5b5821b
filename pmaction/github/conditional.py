"""Conditional reads: a GET that sends back the ETag of an earlier answer is answered ``304 Not Modified``,
with no body, while the resource is unchanged, and GitHub does not count a 304 against the rate limit.

Two uses:

- Within a run, always: a read this run made already goes out with that answer's tag, and a 304 is answered
  from memory (the incident re-read before its body is edited; the comments re-read after a race).
- Across runs, when the caller asks: it passes ``known`` tags it kept from an earlier run (in GitHub
  itself: the run's container keeps nothing) and gets ``NotModified`` back on a 304.

GitHub binds a tag to the token it was read with (the ``Authorization`` header is hashed with the body), and
Actions mints a new ``GITHUB_TOKEN`` for every job: under it, tags an earlier job kept never match, and
every such read costs what an unconditional one does. They pay off with a token that outlives the job (a
PAT, an app token within its hour). See docs/benchmarks.md for the numbers.

A listing is reused only when it was one page holding fewer than ``PER_PAGE`` items: the tag covers the
body and not the ``Link`` header, so a full first page is still "not modified" when a second page appears.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pmaction.github.data import NotModified

PER_PAGE = 100
# RFC 9110 entity-tag: optional W/, then a quoted string without quotes, control characters or spaces.
_TAG = re.compile(r'^(?:W/)?"[\x21\x23-\x7e]*"$')
_KEY = re.compile(r"^[a-z0-9][a-z0-9/_.:-]*$")
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


@dataclass(frozen=True)
class Validators:
    """ETags by resource key ("issue/12", "comments/12", "labels"...), to keep for a later run."""

    tags: Mapping[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.tags.get(key)

    def pack(self) -> str:
        """One line, ``key=tag`` pairs separated by spaces: safe inside an HTML comment."""
        return " ".join(f"{key}={tag}" for key, tag in sorted(self.tags.items()) if _valid(key, tag))

    @classmethod
    def unpack(cls, text: str | None) -> Validators:
        """Read ``pack``'s line back; anything that is not a key and a well-formed tag is ignored."""
        found = {}
        for pair in (text or "").split():
            key, _, tag = pair.partition("=")
            if _valid(key, tag):
                found[key] = tag
        return cls(found)


def _valid(key: str, tag: str) -> bool:
    return bool(_KEY.match(key) and _TAG.match(tag)) and "--" not in tag


def listing_key(kind: str, params: Mapping[str, Any]) -> str:
    """A short key for a filtered listing (label names can hold anything): kind plus a digest of the query."""
    query = "&".join(f"{name}={params[name]}" for name in sorted(params))
    return f"{kind}:{hashlib.sha256(query.encode()).hexdigest()[:16]}"


def next_link(headers: Mapping[str, Any]) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header (PyGithub hands headers over lower-cased)."""
    found = _LINK_NEXT.search(str(headers.get("link") or ""))
    return found.group(1) if found else None


def _etag(headers: Mapping[str, Any]) -> str | None:
    tag = headers.get("etag")
    return str(tag) if tag else None


@dataclass
class _Answer:
    tag: str | None
    data: Any  # a JSON object, or the items of every page of a listing
    reusable: bool  # a single object, or a listing of one page with fewer than PER_PAGE items


class ConditionalReader:
    """GETs through PyGithub's requester (its retries and error types), with this run's tags in memory."""

    def __init__(self, requester: Any) -> None:
        self._requester = requester
        self._answers: dict[str, _Answer] = {}
        self._first_pages: dict[str, tuple[list[Any], bool]] = {}
        self.not_modified = 0  # 304s this run

    def _get(self, url: str, params: Mapping[str, Any] | None, tag: str | None) -> tuple[Any, Any]:
        headers = {"If-None-Match": tag} if tag else None
        return self._requester.requestJsonAndCheck("GET", url, dict(params) if params else None, headers)

    def _tag_to_send(self, key: str, known: Validators | None) -> str | None:
        if known is not None:
            return known.get(key)
        kept = self._answers.get(key)
        return kept.tag if kept is not None and kept.reusable else None

    def _not_modified(self, key: str, tag: str, known: Validators | None) -> Any:
        self.not_modified += 1
        # Asked with known tags: the caller has the data. Asked plainly: it is the answer this run kept.
        return NotModified(tag) if known is not None else self._answers[key].data

    def read_object(
        self, key: str, url: str, known: Validators | None = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        """A single object's JSON, or ``NotModified`` when ``known`` holds its current tag."""
        tag = self._tag_to_send(key, known)
        headers, data = self._get(url, params, tag)
        if data is None and tag is not None:  # 304: no body
            return self._not_modified(key, tag, known)
        self._answers[key] = _Answer(_etag(headers), data, reusable=True)
        return data

    def read_listing(
        self, key: str, url: str, params: Mapping[str, Any], known: Validators | None = None
    ) -> Any:
        """Every page's items (``PER_PAGE`` a page), or ``NotModified`` when ``known`` has the current tag."""
        tag = self._tag_to_send(key, known)
        headers, data = self._get(url, {**params, "per_page": PER_PAGE}, tag)
        if data is None and tag is not None:
            return self._not_modified(key, tag, known)
        items, pages = list(data or []), 1
        following = next_link(headers)
        while following:
            more_headers, more = self._get(following, None, None)
            items += list(more or [])
            following, pages = next_link(more_headers), pages + 1
        self._answers[key] = _Answer(_etag(headers), items, reusable=pages == 1 and len(items) < PER_PAGE)
        return items

    def read_first_page(self, key: str, url: str, params: Mapping[str, Any]) -> tuple[list[Any], bool]:
        """The first page of a listing (``PER_PAGE`` items) and whether it was the whole listing, read once a
        run: later calls are answered from memory (for what changes rarely, such as who can be assigned)."""
        kept = self._answers.get(key)
        if kept is not None:
            return list(kept.data), True
        if key not in self._first_pages:
            headers, data = self._get(url, {**params, "per_page": PER_PAGE}, None)
            items, complete = list(data or []), next_link(headers) is None
            self._first_pages[key] = (items, complete)
            if complete:
                self._answers[key] = _Answer(_etag(headers), items, reusable=len(items) < PER_PAGE)
        items, complete = self._first_pages[key]
        return list(items), complete

    def remember_first_page(self, key: str, items: list[Any], complete: bool) -> None:
        """A listing's first page that another request (a GraphQL query) brought: ``read_first_page`` answers
        from it."""
        self._first_pages[key] = (list(items), complete)

    def validators(self) -> Validators:
        """The tags of this run's reads that a later run can send back safely."""
        return Validators({key: a.tag for key, a in self._answers.items() if a.reusable and a.tag})
