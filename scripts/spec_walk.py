"""Walking a published API description (OpenAPI or Swagger JSON) to cut a subset of it: the two rules the
GitHub and Slack subset scripts share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_refs(node: Any, *, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every ``$ref`` below ``node``, not looking inside the keys of ``skip`` (data, such as examples)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            elif key not in skip:
                yield from iter_refs(value, skip=skip)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item, skip=skip)


def strip_prose(
    node: Any, *, drop: frozenset[str], data: frozenset[str], name_maps: frozenset[str], names: bool = False
) -> Any:
    """``node`` without the keys of ``drop`` (descriptions, summaries...), leaving the keys of a name map
    (``properties``, ``responses``...) and data values (``data``: enum, default...) as they are."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not names and key in drop:
                continue
            if not names and key in data:
                out[key] = value
            else:
                # A name map's values are description objects again; `properties` inside them is a name map.
                inner = not names and key in name_maps
                out[key] = strip_prose(value, drop=drop, data=data, name_maps=name_maps, names=inner)
        return out
    if isinstance(node, list):
        return [strip_prose(item, drop=drop, data=data, name_maps=name_maps) for item in node]
    return node
