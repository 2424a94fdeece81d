"""Where a Ray trial's files are: its folder on the driver (``std.out``, ``std.err``,
``config.json``, ``attempts.jsonl``) and its checkpoint folder as the nodes see it (a path
every node can reach, or an fsspec URL), and the training script the actors run.
"""
from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["TrialFolders", "is_url"]


def is_url(path: str) -> bool:
    """Whether ``path`` is an fsspec URL (``s3://...``, ``file:///...``) rather than a path."""
    return "://" in str(path)


class TrialFolders:
    """Mixin of :class:`~syne_mohb.backends.ray.RayBackend`: results and checkpoint folders,
    the entry point. Uses the backend's ``local_path``, ``run_id``, ``checkpoint_root``,
    ``ship_code`` and ``source_dir``."""

    def set_path(self, results_root: str | None = None, tuner_name: str | None = None):
        if results_root is not None:
            self.local_path = Path(results_root)
        if tuner_name and not self._run_id_given and not self._attempts:
            self.run_id = tuner_name

    def trial_path(self, trial_id: int) -> Path:
        """Driver-side folder of a trial: std.out, std.err, config.json, attempts.jsonl."""
        return self.local_path / str(trial_id)

    def stdout(self, trial_id: int) -> list[str]:
        return self._read_log(trial_id, "std.out")

    def stderr(self, trial_id: int) -> list[str]:
        return self._read_log(trial_id, "std.err")

    def _read_log(self, trial_id: int, name: str) -> list[str]:
        try:
            with open(self.trial_path(trial_id) / name) as f:
                return f.readlines()
        except FileNotFoundError:
            return []

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint_location(self, trial_id: int) -> str:
        """Checkpoint folder (path or URL) of ``trial_id``, as the nodes see it."""
        if self.checkpoint_root is None:
            return str((self.trial_path(trial_id) / "checkpoints").resolve())
        root = self.checkpoint_root.rstrip("/")
        if is_url(root):
            return f"{root}/{self.run_id}/{trial_id}"
        return str(Path(root).resolve() / self.run_id / str(trial_id))

    def checkpoint_trial_path(self, trial_id: int) -> Path:
        """Checkpoint folder as a local path (not defined for URL checkpoint roots)."""
        loc = self.checkpoint_location(trial_id)
        if is_url(loc):
            raise ValueError(f"checkpoint_root {self.checkpoint_root!r} is a URL: use "
                             f"checkpoint_location({trial_id})")
        return Path(loc)

    def copy_checkpoint(self, src_trial_id: int, tgt_trial_id: int):
        src, tgt = self.checkpoint_location(src_trial_id), self.checkpoint_location(tgt_trial_id)
        if is_url(src):
            import fsspec

            fs, spath = fsspec.core.url_to_fs(src)
            _, tpath = fsspec.core.url_to_fs(tgt)
            if fs.exists(spath):
                fs.copy(spath.rstrip("/") + "/", tpath, recursive=True)
        elif Path(src).is_dir():
            shutil.copytree(src, tgt, dirs_exist_ok=True)

    def delete_checkpoint(self, trial_id: int):
        loc = self.checkpoint_location(trial_id)
        if is_url(loc):
            import fsspec

            fs, path = fsspec.core.url_to_fs(loc)
            if fs.exists(path):
                fs.rm(path, recursive=True)
        else:
            shutil.rmtree(loc, ignore_errors=True)

    # -- the training script ----------------------------------------------------------------
    def entrypoint_path(self) -> Path:
        return Path(self.entry_point)

    def set_entrypoint(self, entry_point: str):
        entry = Path(entry_point)
        self._program = self._program_of(entry, Path(self.source_dir) if self.ship_code else None)
        self.entry_point = str(entry)

    @staticmethod
    def _program_of(entry: Path, source_dir: Path | None) -> str:
        """The script as the actors run it: relative to ``source_dir`` when the code is
        shipped, else its absolute path."""
        if source_dir is None:
            return str(entry.resolve())
        try:
            return str(entry.resolve().relative_to(source_dir.resolve()))
        except ValueError:
            raise ValueError(f"entry_point {str(entry)!r} must lie inside source_dir "
                             f"{str(source_dir)!r}") from None
