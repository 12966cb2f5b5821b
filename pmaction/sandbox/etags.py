"""ETags and conditional GETs, the way api.github.com answers them.

What GitHub documents ("Best practices for using the REST API", conditional requests): most GET answers
carry an ``ETag``; a GET that sends it back in ``If-None-Match`` is answered ``304 Not Modified`` with no
body while the resource is unchanged, and a 304 does not count against the primary rate limit.

What GitHub does not document, but answers that way (observed on api.github.com and confirmed by GitHub
Support to users, e.g. eclipse-csi/otterdog#201, github/docs#34689): the tag is bound to the token. It is a
SHA-256 over the values of the ``Accept``, ``Authorization`` and ``Cookie`` request headers that are present,
each followed by ``:``, then the body; the same object read with another token has another tag. The sandbox
computes it the same way, so a tag saved under one token never matches under the next one, as a GitHub
Actions job's ``GITHUB_TOKEN`` (minted for every job) never matches a tag an earlier job saved.

The tag covers the body only: the ``Link`` header is not part of it, so a full first page stays "not
modified" when a second page appears behind it. Single objects get strong tags (``"…"``), listings weak
ones (``W/"…"``); ``If-None-Match`` is compared weakly (RFC 9110, 13.1.2), so either kind matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

# Headers GitHub sends with every conditional-capable answer.
CACHE_CONTROL = "private, max-age=60, s-maxage=60"
VARY = "Accept, Authorization, Cookie, X-GitHub-OTP"
# The request headers whose values are hashed with the body, in this order.
_HASHED_HEADERS = ("Accept", "Authorization", "Cookie")
# Answer headers a 304 repeats (RFC 9110, 15.4.5); everything about the body (Link, Content-Type) is dropped.
_KEPT_ON_304 = frozenset({"etag", "cache-control", "vary", "last-modified", "location"})


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def entity_tag(body: bytes, request_headers: Mapping[str, str], *, weak: bool) -> str:
    """The tag GitHub would give this body answered to a request with these headers."""
    digest = hashlib.sha256()
    for name in _HASHED_HEADERS:
        value = _header(request_headers, name)
        if value is not None:
            digest.update(value.encode("latin-1", errors="replace") + b":")
    digest.update(body)
    tag = f'"{digest.hexdigest()}"'
    return f"W/{tag}" if weak else tag


def _opaque(tag: str) -> str:
    """The quoted part of a tag: weak comparison ignores the W/ prefix."""
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def none_match(if_none_match: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` (one tag, a comma-separated list, or ``*``) names ``etag``."""
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or (candidate and _opaque(candidate) == wanted):
            return True
    return False


def cache_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": VARY}


def not_modified_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of a 304: the validators and caching ones of the 200 it stands for, nothing else."""
    return {key: value for key, value in headers.items() if key.lower() in _KEPT_ON_304}
