"""Posting the status comment: created once, then edited only when its text changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pmaction.github.client import GitHub
from pmaction.github.data import Comment
from pmaction.status.comment import find_status_comments


def upsert_status(
    github: GitHub, number: int, full_name: str, body: str, comments: Sequence[Comment]
) -> list[str]:
    """Make the incident's status comment say ``body``; returns what was done, one sentence each.

    Any number of runs may each create one at once: every run that creates one reads the comments again
    and keeps the oldest, so the newer one's creator always sees the older (docs/robustness.md)."""
    done: list[str] = []
    ours = find_status_comments(comments, full_name, number)
    existing = ours[0] if ours else None
    if len(ours) > 1:
        done += delete_extra_status(github, ours)  # two racing runs each made one: free to spot, read
    if existing is not None and existing.body == body:
        return done  # checked first, so a dry run of an up-to-date incident plans nothing
    if existing is not None:
        if github.edit_comment(existing.id, body, planned="would update the status comment"):
            done.append(f"updated the status comment on #{number}")
        return done
    made = github.create_comment(
        number,
        body,
        action=f"create the status comment on #{number}",
        planned="would create the status comment",
    )
    if made is None:
        return done
    done.append(f"created the status comment on #{number}")
    # A concurrent run may have posted one too: read the comments again (only after creating: an incident's
    # first sync) and keep the oldest. Theirs came after our read, so it was updated no earlier than any
    # comment we read: list only those (a second less, for GitHub's whole-second times).
    newest = max((comment.updated_at for comment in comments), default=None)
    since = newest - timedelta(seconds=1) if newest is not None else None
    again = github.comments(number, since=since)
    done += delete_extra_status(github, find_status_comments(again, full_name, number))
    return done


def delete_extra_status(github: GitHub, ours: Sequence[Comment]) -> list[str]:
    """Keep the oldest status comment, delete the newer ones written by the same account (never a
    person's comment that merely quotes our marker)."""
    done = []
    keep = ours[0]
    for extra in ours[1:]:
        if extra.author != keep.author:
            continue
        what = f"duplicate status comment {extra.id} left by a concurrent run"
        # Only comments read in this run: no extra GET.
        if github.delete_comment(extra.id, planned=f"would delete {what}"):
            done.append(f"deleted {what}")
    return done
