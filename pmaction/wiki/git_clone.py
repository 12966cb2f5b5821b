"""The wiki's first clone, started early: git fetches the wiki while the sync's REST reads and writes run, and
the wiki write then starts from it instead of cloning after them (the two wait on different servers)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

from pmaction.wiki.git import _checkout, _Git, full_name_of


class WikiClone:
    """A shallow clone of master made in a thread; ``take`` waits for it, ``discard`` removes it if unused."""

    def __init__(
        self, remote: str, token: str, *, git_timeout: float = 60, env: Mapping[str, str] | None = None
    ) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="pmaction-wiki-"))
        base = dict(os.environ if env is None else env)
        self._git = _Git(self.work, token, base, git_timeout, full_name_of(remote))
        self._remote = remote
        self._done: bool | None = None  # has master; None: the clone failed
        self._taken = False
        self._thread = threading.Thread(target=self._clone, name="pmaction-wiki-clone", daemon=True)
        self._thread.start()

    def _clone(self) -> None:
        try:
            self._done = _checkout(self._git, self._remote)
        except Exception:  # the write clones again and reports what it finds, the one way it reports
            self._done = None

    def take(self) -> tuple[Path, bool] | None:
        """The clone and whether master exists; None when it failed (the caller clones as usual)."""
        self._thread.join()
        if self._done is None or self._taken:
            self.discard()
            return None
        self._taken = True
        return self.work, self._done

    def discard(self) -> None:
        """Remove the clone unless the wiki write took it (that write removes it when done)."""
        self._thread.join()
        if not self._taken:
            self._taken = True
            shutil.rmtree(self.work, ignore_errors=True)
