"""Loading shipped (or user-made) blackbox folders, with clear errors for broken folders."""

from __future__ import annotations

import json
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


class BlackboxFolderError(ValueError):
    """A blackbox folder is missing a file or holds a corrupt one (the message names it)."""


def names(data_dir: str | Path | None = None) -> list[str]:
    """Names of the blackboxes shipped in ``data_dir`` (default: the package's data folder)."""
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "metadata.json").exists())


def resolve_path(name_or_path: str | Path, data_dir: str | Path | None = None) -> Path:
    """A shipped name (``"mlp"``) or a path to a folder written by ``serialize``."""
    root = Path(data_dir) if data_dir is not None else DATA_DIR
    candidate = root / str(name_or_path)
    if isinstance(name_or_path, str) and "/" not in name_or_path and candidate.is_dir():
        return candidate
    path = Path(name_or_path)
    if path.is_dir():
        return path
    raise ValueError(
        f"unknown blackbox {str(name_or_path)!r}: not a shipped name {names(root)} "
        f"and not an existing folder"
    )


def validate_folder(path: Path) -> dict[str, Any]:
    """Check that ``path`` holds a complete serialized blackbox; return its metadata."""
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        raise BlackboxFolderError(f"blackbox folder {path} is incomplete: missing {missing}")
    try:
        metadata = json.loads((path / "metadata.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BlackboxFolderError(f"corrupt file {path / 'metadata.json'}: {e}") from e
    for key in ("objectives_names", "task_names"):
        if key not in metadata:
            raise BlackboxFolderError(f"file {path / 'metadata.json'} lacks the key {key!r}")
    for fname in ("configspace.json", "fidelityspace.json"):
        try:
            json.loads((path / fname).read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise BlackboxFolderError(f"corrupt file {path / fname}: {e}") from e
    for fname in ("objectives_evaluations.npy", "fidelities_values.npy"):
        try:
            arr = np.load(path / fname, mmap_mode="r", allow_pickle=False)
        except Exception as e:
            raise BlackboxFolderError(f"corrupt file {path / fname}: {e}") from e
        if fname == "objectives_evaluations.npy":
            n_tasks, n_obj = len(metadata["task_names"]), len(metadata["objectives_names"])
            if arr.ndim != 5 or arr.shape[0] != n_tasks or arr.shape[-1] != n_obj:
                raise BlackboxFolderError(
                    f"bad file {path / fname}: shape {arr.shape}, expected "
                    f"({n_tasks}, configs, seeds, fidelities, {n_obj}) from metadata.json"
                )
    return metadata


def _read(path: Path) -> dict:
    from syne_tune.blackbox_repository.blackbox_tabular import deserialize

    validate_folder(path)
    try:
        return deserialize(str(path))
    except Exception as e:  # pragma: no cover - depends on the kind of corruption
        raise BlackboxFolderError(f"cannot read blackbox folder {path}: {type(e).__name__}: {e}") from e


@lru_cache(maxsize=16)
def _cached(path: str, mtime: float) -> dict:
    return _read(Path(path))


def load(name: str | Path, data_dir: str | Path | None = None) -> dict:
    """Load blackbox ``name`` (shipped name or folder path) as ``{task: BlackboxTabular}``.

    Works offline. The result is cached per folder (callers must not modify it in place)."""
    path = resolve_path(name, data_dir)
    mtime = max((path / f).stat().st_mtime for f in REQUIRED_FILES if (path / f).exists())
    return dict(_cached(str(path.resolve()), mtime))


def metadata(name: str | Path, data_dir: str | Path | None = None) -> dict[str, Any]:
    """The metadata of blackbox ``name`` (measured vs modelled columns, runtime model, ...)."""
    return validate_folder(resolve_path(name, data_dir))
