"""Paths a ``LocalBackend`` command line can carry: Syne Tune 0.16's ``LocalBackend`` splits
``"<binary> <entry_point> --key value ..."`` on spaces before it starts a trial, so a path with
a space in it (a virtual environment or a package under ``~/ML Projects``) would fall apart.

:func:`space_free` gives such a path a space-free alias: a symbolic link in a folder of its own
under the system's temporary folder, made once per path and process and removed at exit.
The launchers that run first (:mod:`~syne_mohb.backends.local_launch`,
:mod:`~syne_mohb.backends.local_exit`) need only the standard library, so the interpreter run
through its alias (outside its virtual environment) starts them as well; they then ``exec``
the trial's exact command, read from its launch spec, spaces and all.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

__all__ = ["space_free"]

_aliases: dict[str, str] = {}
_folder: list[str] = []


def space_free(path: str) -> str:
    """``path`` if it has no space, else a space-free symbolic link to it (same base name).

    :raises ValueError: the temporary folder's own path has a space (set ``TMPDIR``)
    """
    path = str(path)
    if " " not in path:
        return path
    if path not in _aliases:
        if not _folder:
            base = tempfile.gettempdir()
            if " " in base:
                raise ValueError(f"LocalBackend cannot run {path!r} (Syne Tune splits its "
                                 f"command on spaces), and the temporary folder {base!r} for "
                                 f"a space-free link to it has a space too: set TMPDIR to a "
                                 f"folder without one")
            _folder.append(tempfile.mkdtemp(prefix="syne-mohb-paths-"))
            atexit.register(shutil.rmtree, _folder[0], True)
        sub = os.path.join(_folder[0], str(len(_aliases)))
        os.makedirs(sub, exist_ok=True)
        link = os.path.join(sub, os.path.basename(path).replace(" ", "_"))
        os.symlink(path, link)
        _aliases[path] = link
    return _aliases[path]
