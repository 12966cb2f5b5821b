"""Fitting people's text into GitHub's limits (titles, bodies) without cutting a word in half."""

from __future__ import annotations


def truncate_words(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word boundary and ended with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
