"""Paths a ``LocalBackend`` command line can carry: Syne Tune 0.16's ``LocalBackend`` splits
``"<binary> <entry_point> --key value ..."`` on spaces before it starts a trial, so a path with
a space in it (a virtual environment or a package under ``~/ML Projects``) would fall apart.

:func:`space_free` gives such a path a space-free alias: a symbolic link under
``<temporary folder>/syne-mohb-paths-<uid>/`` (a folder only this user can write), named by a
hash of the path, so that every process, a resumed durable run included (its backend's
command line holds the alias), finds the same link; a missing link is made again. The
launchers that run first (:mod:`~syne_mohb.backends.local_launch`,
:mod:`~syne_mohb.backends.local_exit`) need only the standard library, so the interpreter run
through its alias (outside its virtual environment) starts them as well; they then ``exec``
the trial's exact command, read from its launch spec, spaces and all.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile

__all__ = ["space_free"]


def _folder() -> str:
    base = tempfile.gettempdir()
    folder = os.path.join(base, f"syne-mohb-paths-{os.getuid()}")
    if " " in folder:
        raise ValueError(f"the temporary folder {base!r} has a space too: set TMPDIR to a "
                         f"folder without one")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        raise ValueError(f"{folder} is not a folder that only this user can write: remove it "
                         f"or set TMPDIR")
    return folder


def space_free(path: str) -> str:
    """``path`` if it has no space, else a space-free symbolic link to it (made if missing).
    O(1): one hash and a ``readlink``.

    :raises ValueError: no safe space-free place for the link (the temporary folder has a
        space, or its ``syne-mohb-paths-<uid>`` folder is not this user's alone)
    """
    path = str(path)
    if " " not in path:
        return path
    try:
        folder = _folder()
    except ValueError as e:
        raise ValueError(f"LocalBackend cannot run {path!r} (Syne Tune splits its command on "
                         f"spaces), and there is no space-free place for a link to it: {e}"
                         ) from None
    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:16]
    link = os.path.join(folder, f"{digest}-{os.path.basename(path).replace(' ', '_')}")
    try:
        if os.readlink(link) == path:
            return link
        os.unlink(link)  # a link to something else: replaced
    except FileNotFoundError:
        pass
    except OSError:  # not a link
        os.unlink(link)
    try:
        os.symlink(path, link)
    except FileExistsError:  # another process made it meanwhile
        if os.readlink(link) != path:
            raise
    return link
