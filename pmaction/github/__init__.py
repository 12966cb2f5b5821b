"""The GitHub REST edge: the GitHub class (reads, conditional reads, spaced writes), retry, error translation,
conversions and the dry-run recorder.

Importing the package defers PyGithub's App-authentication imports (lazy.py) before any ``import github``.
"""

from pmaction.github.lazy import defer_unused

defer_unused()
