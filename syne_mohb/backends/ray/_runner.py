"""The Ray actor that runs one attempt of one trial on a cluster node.

The actor starts the trial's training script, unchanged, as a child process of the node
(``python <script> --key value ... --st_checkpoint_dir <dir>``), reads its stdout and stderr
line by line in threads and keeps them until the driver has read them (:meth:`poll` takes the
read positions; lines before them are dropped, so memory stays bounded by what the driver has
not read yet). The driver parses the ``[tune-metric]`` lines of Syne Tune's ``Reporter``.

* The child is started by a supervisor thread that lives exactly as long as the child, with
  ``PR_SET_PDEATHSIG=SIGKILL`` on Linux: if the actor's worker process dies (its node dies,
  ``ray.kill``), the training process dies with it instead of running on unsupervised.
  It runs in its own session, so :meth:`stop` signals the script and its children.
* :meth:`stop` sends SIGTERM to the process group, SIGKILL after ``grace_s``, and waits.
* With a checkpoint URL (fsspec, e.g. ``s3://...``) the checkpoint folder is downloaded to a
  node-local folder before the start and uploaded when the process has ended (also after a
  stop or pause).
* Orphan watchdog: if no driver has polled for ``orphan_timeout_s`` (a driver that crashed
  and was not resumed in time), the process is stopped and the actor kills itself, freeing
  its resources.
* Raylet watchdog: every :data:`RAYLET_CHECK_S` seconds the actor checks that its node's
  raylet (``RAY_RAYLET_PID``, the worker's parent) is alive. Ray's own check counts a raylet
  killed but not yet reaped (a zombie) as alive, and actor calls do not pass through the
  raylet, so such a worker would keep running and reporting (re-parented to pid 1) until the
  cluster declares the node dead (~15 s) and beyond, until the orphan timeout. Once the
  raylet is gone, the actor stops the script, keeps the end (``node_lost`` in :meth:`poll`)
  until a driver has read it or :data:`RAYLET_LOST_HOLD_S` seconds have passed, and exits;
  an actor still starting (not yet running the script) exits at once.

Everything is defined inside :func:`runner_class` so that Ray's serializer ships the class by
value: the nodes need Ray, Python and the training script's own packages (Syne Tune for its
``Reporter``), not syne-mohb.
"""
from __future__ import annotations

import functools

RAYLET_CHECK_S = 0.5
"""Seconds between two checks of the actor that its node's raylet is alive."""
RAYLET_LOST_HOLD_S = 10.0
"""Longest an actor whose raylet died waits for a driver to read its end before it exits."""


@functools.lru_cache(maxsize=1)
def runner_class():
    """The (undecorated) ``TrialRunner`` class; the backend wraps it with ``ray.remote``."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import tempfile
    import threading
    import time

    def _pdeathsig():
        # runs in the child between fork and exec: die with the supervising thread
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except Exception:  # noqa: BLE001 -- not Linux: the stop path still kills the group
            pass

    def _unpack_code(archive: bytes, digest: str) -> str:
        """Extract the shipped source folder once per node (cached by content hash)."""
        import io
        import tarfile

        root = os.path.join(tempfile.gettempdir(), "syne-mohb-code")
        dest = os.path.join(root, digest)
        if os.path.isdir(dest):
            return dest
        os.makedirs(root, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f"{digest}-", dir=root)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            try:
                tar.extractall(tmp, filter="data")
            except TypeError:  # Python without extraction filters
                tar.extractall(tmp)
        try:
            os.rename(tmp, dest)
        except OSError:  # another actor of this node was faster
            shutil.rmtree(tmp, ignore_errors=True)
        return dest

    def _raylet_pid() -> int | None:
        """Pid of this worker's raylet, if it can be watched from here: ``RAY_RAYLET_PID``
        names a live process that is a raylet (checked where ``/proc`` exists); None in
        another pid namespace (e.g. a container runtime env) or outside a Ray worker."""
        try:
            pid = int(os.environ.get("RAY_RAYLET_PID") or 0)
            if pid <= 1:
                return None
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, PermissionError):
            return None
        try:
            with open(f"/proc/{pid}/comm") as f:
                if "raylet" not in f.read():
                    return None
        except OSError:  # no /proc (macOS): trust the environment
            pass
        return pid

    def _raylet_gone(pid: int, parent: int) -> bool:
        """Whether raylet ``pid`` has died; ``parent`` was this worker's parent at start."""
        if parent == pid and os.getppid() != pid:
            return True  # re-parented: the raylet exited
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        try:  # killed but not reaped by its parent: a zombie is dead too
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rpartition(")")[2].split()[0] in ("Z", "X")
        except (OSError, IndexError):
            return False

    class TrialRunner:
        """One attempt of one trial: the training script as a child process of this actor."""

        _tmp = None
        _proc = None

        def __init__(self, spec: dict):
            self.spec = spec
            self._lock = threading.Lock()
            self._out: list[str] = []
            self._err: list[str] = []
            self._out_base = 0  # absolute index of self._out[0]
            self._err_base = 0
            self._proc = None
            self._returncode = None
            self._ended_at = None
            self._stop_requested = False
            self._sync_error = None
            self._last_poll = time.time()
            self._node_lost = None  # why the node is gone (its raylet died), else None
            self._lost_read = threading.Event()  # a driver has read the end after that
            self._started = threading.Event()
            self._ended = threading.Event()
            raylet = _raylet_pid()
            if raylet is not None:  # first: the set-up below may take long (downloads)
                threading.Thread(target=self._raylet_watchdog, args=(raylet, os.getppid()),
                                 name="raylet-watchdog", daemon=True).start()
            self._cwd = spec.get("cwd")
            if spec.get("code") is not None:
                self._cwd = _unpack_code(spec["code"], spec["code_digest"])
            import ray

            ctx = ray.get_runtime_context()
            self._node_id = ctx.get_node_id()
            self._ckpt_local = spec["checkpoint_dir"]
            self._tmp = None
            url = spec.get("checkpoint_url")
            if url:
                self._tmp = tempfile.mkdtemp(prefix=f"syne-mohb-trial{spec['trial_id']}-")
                self._ckpt_local = os.path.join(self._tmp, "checkpoints")
                self._sync(url, self._ckpt_local, download=True)
            else:
                os.makedirs(self._ckpt_local, exist_ok=True)
            self._started_at = time.time()
            threading.Thread(target=self._supervise, name="trial-supervisor",
                             daemon=True).start()
            self._started.wait()
            timeout = spec.get("orphan_timeout_s")
            if timeout:
                threading.Thread(target=self._watchdog, args=(float(timeout),),
                                 name="orphan-watchdog", daemon=True).start()

        # -- the child process --------------------------------------------------------------
        def _command(self) -> list[str]:
            spec = self.spec
            python = spec.get("python") or sys.executable
            argv = [python, spec["program"]]
            args = dict(spec["args"])
            if spec.get("config_json") is not None:
                folder = self._tmp or tempfile.mkdtemp(prefix="syne-mohb-config-")
                self._tmp = folder
                path = os.path.join(folder, "config.json")
                with open(path, "w") as f:
                    f.write(spec["config_json"])
                args[spec["config_json_arg"]] = path
            args[spec["checkpoint_arg"]] = self._ckpt_local
            for key, value in args.items():
                argv += [f"--{key}", str(value)]
            return argv

        def _supervise(self):
            env = dict(os.environ)
            env.update(self.spec.get("env") or {})
            try:
                proc = subprocess.Popen(
                    self._command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL, env=env, cwd=self._cwd or None,
                    start_new_session=True, preexec_fn=_pdeathsig, text=True, bufsize=1,
                    errors="replace",
                )
            except OSError as e:
                with self._lock:
                    self._err.append(f"could not start the training script: {e}\n")
                    self._returncode = 127
                    self._ended_at = time.time()
                self._started.set()
                self._ended.set()
                return
            self._proc = proc
            self._started.set()
            readers = [threading.Thread(target=self._read, args=(proc.stdout, self._out),
                                        daemon=True),
                       threading.Thread(target=self._read, args=(proc.stderr, self._err),
                                        daemon=True)]
            for r in readers:
                r.start()
            code = proc.wait()
            for r in readers:
                r.join(timeout=10)
            url = self.spec.get("checkpoint_url")
            if url:
                try:
                    self._sync(url, self._ckpt_local, download=False)
                except Exception as e:  # noqa: BLE001 -- reported with the end
                    self._sync_error = f"checkpoint upload to {url} failed: {e!r}"
                    with self._lock:
                        self._err.append(f"[syne-mohb] {self._sync_error}\n")
            with self._lock:
                self._returncode = code
                self._ended_at = time.time()
            self._ended.set()

        def _read(self, stream, sink: list):
            for line in iter(stream.readline, ""):
                with self._lock:
                    sink.append(line)
            stream.close()

        @staticmethod
        def _sync(url: str, local: str, download: bool):
            import fsspec

            fs, path = fsspec.core.url_to_fs(url)
            if download:
                os.makedirs(local, exist_ok=True)
                if fs.exists(path):
                    fs.get(path.rstrip("/") + "/", local, recursive=True)
            else:
                if os.path.isdir(local) and os.listdir(local):
                    if fs.exists(path):
                        fs.rm(path, recursive=True)
                    fs.put(local.rstrip("/") + "/", path, recursive=True)

        def _signal_group(self, sig) -> None:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                return
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                try:
                    proc.send_signal(sig)
                except ProcessLookupError:
                    pass

        def _watchdog(self, timeout: float):
            while True:
                time.sleep(min(5.0, timeout / 4))
                if time.time() - self._last_poll > timeout:
                    self.stop(self.spec.get("stop_grace_s", 2.0))
                    import ray

                    try:
                        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)
                    finally:
                        time.sleep(2.0)
                        os._exit(0)

        def _raylet_watchdog(self, raylet: int, parent: int):
            while not _raylet_gone(raylet, parent):
                time.sleep(RAYLET_CHECK_S)
            if not self._started.is_set():
                os._exit(1)  # still starting: nothing ran; the driver re-queues the trial
            node = getattr(self, "_node_id", None)
            self._node_lost = f"the raylet (pid {raylet}) of node {node} died"
            with self._lock:
                self._err.append(f"[syne-mohb] {self._node_lost}: stopping the training "
                                 f"script; this actor exits\n")
            self.stop(self.spec.get("stop_grace_s", 2.0))
            self._lost_read.wait(timeout=RAYLET_LOST_HOLD_S)
            time.sleep(0.2)  # let the reply that carried the end leave
            os._exit(1)

        # -- the driver's calls -------------------------------------------------------------
        def poll(self, out_from: int, err_from: int) -> dict:
            """Lines from the absolute positions given on (``out_first`` / ``err_first``: the
            absolute index of the first line returned), status and times. Lines before the
            positions given have been read by the driver and are dropped."""
            self._last_poll = time.time()
            with self._lock:
                out = self._take(self._out, "_out_base", out_from)
                err = self._take(self._err, "_err_base", err_from)
                ended = self._ended.is_set()
                answer = {
                    "stdout": out, "stderr": err,
                    "out_first": self._out_base, "err_first": self._err_base,
                    "ended": ended, "returncode": self._returncode if ended else None,
                    "ended_at": self._ended_at if ended else None,
                    "started_at": self._started_at, "node_id": self._node_id,
                    "pid": self._proc.pid if self._proc is not None else None,
                    "stop_requested": self._stop_requested, "now": time.time(),
                    "sync_error": self._sync_error, "node_lost": self._node_lost,
                }
                if ended and self._node_lost:
                    self._lost_read.set()
                return answer

        def _take(self, buf: list, base_attr: str, start: int) -> list[str]:
            base = getattr(self, base_attr)
            drop = min(max(0, start - base), len(buf))
            if drop:
                del buf[:drop]
                setattr(self, base_attr, base + drop)
            return list(buf)

        def stop(self, grace_s: float = 2.0) -> dict:
            """SIGTERM to the script's process group, SIGKILL after ``grace_s``; waits for
            the end (and the checkpoint upload)."""
            self._stop_requested = True
            self._signal_group(signal.SIGTERM)
            if not self._ended.wait(timeout=max(0.0, float(grace_s))):
                self._signal_group(signal.SIGKILL)
                self._ended.wait(timeout=30.0)
            return {"returncode": self._returncode, "ended_at": self._ended_at,
                    "sync_error": self._sync_error}

        def info(self) -> dict:
            return {"node_id": self._node_id, "started_at": self._started_at,
                    "pid": self._proc.pid if self._proc is not None else None}

        def __del__(self):
            if self._tmp:
                shutil.rmtree(self._tmp, ignore_errors=True)

    return TrialRunner
