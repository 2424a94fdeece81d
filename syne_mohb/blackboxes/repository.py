"""Loading shipped (or user-made) blackbox folders, with clear errors for broken folders.

Besides Syne Tune's own keys, a folder's ``metadata.json`` may say how each objective is
scaled when runs are compared (hypervolume, plots): ``"metric_log": {"runtime": true,
"accuracy": false, ...}``. :func:`metric_log` reads it; an objective without a flag (or a
folder without the key, e.g. one written by Syne Tune's ``serialize`` alone) is on a linear
scale (:data:`DEFAULT_METRIC_LOG`).
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
REQUIRED_FILES = (
    "metadata.json",
    "configspace.json",
    "fidelityspace.json",
    "hyperparameters.parquet",
    "objectives_evaluations.npy",
    "fidelities_values.npy",
)


#: scale of an objective whose blackbox metadata has no ``metric_log`` flag for it: linear
DEFAULT_METRIC_LOG = False


class BlackboxFolderError(ValueError):
    """A blackbox folder is missing a file or holds a corrupt one (the message names it)."""


def names(data_dir: str | Path | None = None) -> list[str]:
    """Names of the blackboxes shipped in ``data_dir`` (default: the package's data folder)."""
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    if not root.is_dir():
        return []
    shipped = sorted(p.name for p in root.iterdir() if (p / "metadata.json").exists())
    if data_dir is None:  # the variants with interactions derived from shipped tables
        from syne_mohb.blackboxes.interactions import DERIVED

        shipped += [d for d, base in DERIVED.items() if base in shipped]
    return shipped


def resolve_path(name_or_path: str | Path, data_dir: str | Path | None = None) -> Path:
    """A shipped name (``"mlp"``) or a path to a folder written by ``serialize``."""
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ValueError(f"a blackbox is a shipped name ({', '.join(names())}) or the path of "
                         f"a folder written by serialize, got {name_or_path!r}")
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    candidate = root / str(name_or_path)
    # "", "." and ".." are paths (the current folder, its parent), never a shipped name
    if isinstance(name_or_path, str) and "/" not in name_or_path \
            and name_or_path.strip(".") and candidate.is_dir():
        return candidate
    path = Path(name_or_path)
    if str(name_or_path) and path.is_dir():
        return path
    from syne_mohb.hardware.catalog import _same_but_case

    known = names(data_dir)
    close = _same_but_case(str(name_or_path), known)
    hint = f"; did you mean {close!r}? (names are case-sensitive)" if close else ""
    raise ValueError(
        f"unknown blackbox {str(name_or_path)!r}: not a shipped name {known} "
        f"and not an existing folder{hint}"
    )


def _is_folder(name: str | Path) -> bool:
    """Whether ``name`` names a blackbox folder rather than a shipped blackbox (as
    :func:`resolve_path` reads it: a path with a separator, ``.``/``..``, or an existing folder
    that is not a shipped name); nothing is read."""
    if isinstance(name, os.PathLike):
        return True
    return isinstance(name, str) and name not in names() and (
        "/" in name or os.sep in name or name.strip(".") == "" or Path(name).is_dir())


def shadowed_folder(name: str | Path) -> Path | None:
    """The folder of the working directory that a shipped name hides: ``"mlp"`` is the shipped
    benchmark even where a folder ``./mlp`` (say, a user's table written by
    ``from_experiments``) exists; ``./mlp`` names the folder. None where ``name`` is no shipped
    name or no such folder exists."""
    if not isinstance(name, str) or name not in names() or not Path(name).is_dir():
        return None
    return Path(name).resolve()


def label(name: str | Path) -> str:
    """A short name of blackbox ``name``: a shipped name as it is, a folder by its own name
    (e.g. the folder of a benchmark's runs in an output folder, a plot's title)."""
    if _is_folder(name):
        return Path(name).resolve().name or "blackbox"
    return str(name)


def canonical(name: str | Path) -> str:
    """A shipped name as it is, a folder as its absolute path: what a run records, so that
    every process and every later report finds the folder whatever the working folder."""
    if _is_folder(name):
        return str(Path(name).resolve())
    return str(name)


_REWRITE_HINT = (
    "write the folder again (syne_tune.blackbox_repository.blackbox_tabular.serialize or "
    "syne_mohb.blackboxes.from_experiments); for a shipped benchmark, reinstall syne-mohb"
)


def _corrupt(file: Path, e: BaseException | str) -> BlackboxFolderError:
    reason = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    return BlackboxFolderError(f"corrupt file {file}: {reason}; {_REWRITE_HINT}")


def validate_folder(path: Path) -> dict[str, Any]:
    """Check that ``path`` holds a complete serialized blackbox; return its metadata.

    Every required file is opened and read (the parquet table completely, the arrays' headers),
    and the number of configurations is checked against ``objectives_evaluations.npy``, so a
    missing, truncated or overwritten file is reported by name before Syne Tune reads it.

    :raises BlackboxFolderError: the message names the folder or file and what to do
    """
    path = Path(path)
    present = [f for f in REQUIRED_FILES if (path / f).is_file()]
    if not present:
        raise BlackboxFolderError(
            f"{path} is not a blackbox folder: it holds none of {list(REQUIRED_FILES)}. Pass a "
            f"shipped name ({', '.join(names()) or 'none shipped'}) or a folder written by "
            f"syne_tune.blackbox_repository.blackbox_tabular.serialize or "
            f"syne_mohb.blackboxes.from_experiments"
        )
    missing = [f for f in REQUIRED_FILES if f not in present]
    if missing:
        raise BlackboxFolderError(
            f"blackbox folder {path} is incomplete: missing {missing}; {_REWRITE_HINT}"
        )
    try:
        metadata = json.loads((path / "metadata.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _corrupt(path / "metadata.json", e) from e
    if not isinstance(metadata, dict):
        raise _corrupt(path / "metadata.json", "expected a JSON object")
    for key in ("objectives_names", "task_names"):
        if key not in metadata:
            raise BlackboxFolderError(
                f"file {path / 'metadata.json'} lacks the key {key!r}; {_REWRITE_HINT}"
            )
    _check_metric_log(path / "metadata.json", metadata)
    for fname in ("configspace.json", "fidelityspace.json"):
        try:
            json.loads((path / fname).read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise _corrupt(path / fname, e) from e
    n_configs = None
    for fname in ("objectives_evaluations.npy", "fidelities_values.npy"):
        try:
            arr = np.load(path / fname, mmap_mode="r", allow_pickle=False)
        except Exception as e:
            raise _corrupt(path / fname, e) from e
        if fname == "objectives_evaluations.npy":
            n_tasks, n_obj = len(metadata["task_names"]), len(metadata["objectives_names"])
            if arr.ndim != 5 or arr.shape[0] != n_tasks or arr.shape[-1] != n_obj:
                raise BlackboxFolderError(
                    f"bad file {path / fname}: shape {arr.shape}, expected "
                    f"({n_tasks}, configs, seeds, fidelities, {n_obj}) from metadata.json; "
                    f"{_REWRITE_HINT}"
                )
            n_configs = arr.shape[1]
    fname = "hyperparameters.parquet"
    with open(path / fname, "rb") as f:
        head = f.read(4)
        f.seek(max(0, (path / fname).stat().st_size - 4))
        tail = f.read(4)
    if head != b"PAR1" or tail != b"PAR1":
        raise _corrupt(path / fname, "truncated or not a parquet file (a parquet file starts "
                                     "and ends with the bytes PAR1)")
    try:
        n_rows = len(_read_parquet(path / fname))
    except Exception as e:  # fastparquet raises OSError, ValueError, struct.error, ...
        raise _corrupt(path / fname, e) from e
    if n_rows != n_configs:
        raise BlackboxFolderError(
            f"bad file {path / fname}: {n_rows} configurations, but "
            f"objectives_evaluations.npy has {n_configs}; {_REWRITE_HINT}"
        )
    return metadata


def _check_metric_log(file: Path, metadata: dict[str, Any]) -> None:
    """``metric_log``, when present, maps objective names of the folder to true/false."""
    flags = metadata.get("metric_log")
    if flags is None:
        return
    if not isinstance(flags, dict) or not all(isinstance(v, bool) for v in flags.values()):
        raise BlackboxFolderError(
            f"file {file}: metric_log must map objective names to true/false, got {flags!r}; "
            f"{_REWRITE_HINT}")
    unknown = sorted(set(flags) - set(metadata["objectives_names"]))
    if unknown:
        raise BlackboxFolderError(
            f"file {file}: metric_log names {unknown}, which are not objectives of the folder "
            f"{metadata['objectives_names']}; {_REWRITE_HINT}")


def _read_parquet(file: Path):
    """The table of ``file``, read with the engine Syne Tune's ``deserialize`` uses."""
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecates the fastparquet engine
        return pd.read_parquet(file, engine="fastparquet")


def _read(path: Path) -> dict:
    from syne_tune.blackbox_repository.blackbox_tabular import deserialize

    validate_folder(path)
    try:
        return deserialize(str(path))
    except Exception as e:  # pragma: no cover - validate_folder catches the known corruptions
        raise BlackboxFolderError(
            f"cannot read blackbox folder {path}: {type(e).__name__}: {e}; {_REWRITE_HINT}"
        ) from e


def _mtime(path: Path) -> float:
    """Latest modification time of the folder's required files (cache key); a folder that
    lacks one is reported by :func:`validate_folder`."""
    files = [path / f for f in REQUIRED_FILES]
    if not all(f.is_file() for f in files):
        validate_folder(path)  # raises, naming the folder or the missing files
    return max(f.stat().st_mtime for f in files)


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float) -> dict:
    return _read(Path(path))


@lru_cache(maxsize=16)
def _cached_metadata(path: str, mtime: float) -> dict[str, Any]:
    return validate_folder(Path(path))


def load(name: str | Path, data_dir: str | Path | None = None) -> dict:
    """Load blackbox ``name`` (shipped name or folder path) as ``{task: BlackboxTabular}``.

    Works offline. The folder is checked file by file first (:func:`validate_folder`); the
    result is cached per folder and modification time (callers must not modify it in place).

    :raises BlackboxFolderError: a missing or corrupt file (the message names it and says what
        to do) or a folder that is not a blackbox folder at all (e.g. empty)
    """
    if _derived(name, data_dir):
        from syne_mohb.blackboxes.interactions import derived_load

        return derived_load(str(name))
    path = resolve_path(name, data_dir)
    return dict(_cached(str(path.resolve()), _mtime(path)))


def metadata(name: str | Path, data_dir: str | Path | None = None) -> dict[str, Any]:
    """The metadata of blackbox ``name`` (measured vs modelled columns, runtime model, ...)."""
    if _derived(name, data_dir):
        from syne_mohb.blackboxes.interactions import derived_metadata

        return derived_metadata(str(name))
    path = resolve_path(name, data_dir)
    return copy.deepcopy(_cached_metadata(str(path.resolve()), _mtime(path)))


def _derived(name: str | Path, data_dir: str | Path | None) -> bool:
    """Whether ``name`` is a variant derived from a shipped table
    (:mod:`syne_mohb.blackboxes.interactions`)."""
    from syne_mohb.blackboxes.interactions import DERIVED

    return data_dir is None and isinstance(name, str) and name in DERIVED


def metric_log(name: str | Path, objectives: list[str] | None = None,
               data_dir: str | Path | None = None) -> dict[str, bool]:
    """Whether each objective of blackbox ``name`` is compared on a log10 scale.

    The flags recorded in ``metadata.json`` under ``metric_log`` (see the module docstring);
    objectives without a recorded flag get :data:`DEFAULT_METRIC_LOG` (linear).

    :param objectives: the objectives to return (default: every objective of the blackbox)
    :return: ``{objective: flag}`` in the order of ``objectives``
    :raises ValueError: an entry of ``objectives`` is not an objective of the blackbox
    """
    meta = metadata(name, data_dir)
    known = list(meta["objectives_names"])
    objectives = known if objectives is None else list(objectives)
    missing = [o for o in objectives if o not in known]
    if missing:
        raise ValueError(f"objectives {missing} are not objectives of blackbox {str(name)!r}: "
                         f"{known}")
    flags = meta.get("metric_log") or {}
    return {o: bool(flags.get(o, DEFAULT_METRIC_LOG)) for o in objectives}


def recorded_metric_log(name: str | Path, data_dir: str | Path | None = None) -> dict[str, bool]:
    """The ``metric_log`` flags exactly as recorded in ``metadata.json`` (empty if none)."""
    return dict(metadata(name, data_dir).get("metric_log") or {})
