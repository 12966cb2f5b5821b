"""Fetch one file out of a pinned npm package with `npm pack` (the npm registry is the only network used)."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path


def npm_pack_member(package: str, version: str, member: str, workdir: Path) -> Path:
    """Download ``package@version`` into ``workdir`` and unpack ``member`` (a path inside the tarball)."""
    subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--pack-destination", str(workdir), "--silent"],
        check=True,
        cwd=workdir,
    )
    tarballs = sorted(workdir.glob("*.tgz"))
    if not tarballs:
        raise SystemExit(f"npm pack produced no tarball in {workdir}")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(workdir, members=[tar.getmember(member)], filter="data")
    return workdir / member
