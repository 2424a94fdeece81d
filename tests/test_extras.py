"""Install extras (issue 23 item 15): ``[ray]``, ``[optuna]``, ``[report]`` and ``[all]`` exist
and bring what the features need, and a feature used without its extra fails with one line
naming the extra to install (not ``No module named 'ray'``)."""
from __future__ import annotations

import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as the tomli package (pytest's)
    import tomli as tomllib

import pytest
from packaging.requirements import Requirement

from syne_mohb._lazy import EXTRAS, MissingExtraError, require, require_installed

ROOT = Path(__file__).resolve().parents[1]
HELPERS = Path(__file__).resolve().parent / "durable_helpers"


def _extras() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {k: [Requirement(r) for r in v]
            for k, v in project["optional-dependencies"].items()}


def _names(extras: dict[str, list[Requirement]], extra: str) -> set[str]:
    """Distributions an extra installs, with the extras it names of syne-mohb itself."""
    out = set()
    for req in extras[extra]:
        if req.name == "syne-mohb":
            for sub in req.extras:
                out |= _names(extras, sub)
        else:
            out.add(req.name)
    return out


def test_extras_bring_what_each_feature_needs():
    extras = _extras()
    assert {"ray", "optuna", "report", "all", "test", "bench", "gen"} <= set(extras)
    distribution = {"neps": "neural-pipeline-search"}  # where the import name differs
    for module, extra in EXTRAS.items():  # the extra each error message names
        assert distribution.get(module, module) in _names(extras, extra), (module, extra)
    assert _names(extras, "all") >= {"ray", "optuna", "plotly"}
    assert _names(extras, "test") >= {"plotly", "optuna", "ray", "pytest", "moto"}
    assert _names(extras, "bench") >= {"xgboost", "optuna"}
    assert _names(extras, "ehvi") >= {"botorch", "xgboost", "optuna"}
    assert _names(extras, "neps") >= {"neural-pipeline-search", "botorch", "xgboost"}
    # the tests pin the Ray release they run; the [ray] extra admits it
    (test_ray,) = [r for r in extras["test"] if r.name == "ray"]
    (user_ray,) = extras["ray"]
    assert all(user_ray.specifier.contains(s.version) for s in test_ray.specifier)


def test_ray_backend_without_ray_is_one_line_naming_the_extra(monkeypatch, tmp_path):
    from syne_mohb.backends.ray import RayBackend

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    with pytest.raises(MissingExtraError) as info:
        RayBackend(str(script), node_types={"cpu": {"price_per_hour": 0.1, "num_cpus": 1}})
    msg = str(info.value)
    assert msg == ("RayBackend needs ray, which is not installed: pip install "
                   "'syne-mohb[ray]' (in a clone: pip install -e '.[ray]')")
    assert isinstance(info.value, ImportError)  # still an ImportError for callers
    # connecting (a backend unpickled where Ray is missing) says the same
    with pytest.raises(MissingExtraError, match=r"syne-mohb\[ray\]"):
        require("ray", "RayBackend")


def test_missing_optuna_and_plotly_name_their_extras(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    monkeypatch.setitem(sys.modules, "plotly", None)
    with pytest.raises(MissingExtraError, match=r"^method nsga2 needs optuna, which is not "
                                                r"installed: pip install 'syne-mohb\[optuna\]'"):
        require("optuna", "method nsga2")
    with pytest.raises(MissingExtraError, match=r"pip install 'syne-mohb\[report\]'"):
        require_installed("plotly", "the HTML report")
    require_installed("pandas", "anything")  # present: nothing raised, nothing imported


def test_st_ehvi_names_the_ehvi_extra_and_refuses_a_botorch_that_fails(monkeypatch):
    """Syne Tune's EHVI peer: without botorch the error names the ehvi extra; with a botorch
    whose every suggestion fails under Syne Tune 0.16 (0.18.1 was measured), it names the
    release range that works (0.15.1 was measured)."""
    import importlib.metadata

    from syne_mohb.experiments import methods

    monkeypatch.setitem(sys.modules, "botorch", None)
    with pytest.raises(MissingExtraError, match=r"^method st-ehvi needs botorch, which is not "
                                                r"installed: pip install 'syne-mohb\[ehvi\]'"):
        methods._st_ehvi(None)
    monkeypatch.setitem(sys.modules, "botorch", sys)  # any module: "installed"
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.18.1")
    with pytest.raises(ImportError, match=r"fails at every suggestion with botorch 0.18.1.*"
                                          r"'botorch>=0.12,<0.16'"):
        methods._st_ehvi(None)


def test_neps_mobo_names_the_neps_extra(monkeypatch):
    from syne_mohb.experiments import methods

    monkeypatch.setitem(sys.modules, "neps", None)
    with pytest.raises(MissingExtraError, match=r"^NePSAskTellScheduler \(method neps-mobo\) "
                                                r"needs neps, which is not installed: pip "
                                                r"install 'syne-mohb\[neps\]'"):
        methods.make_scheduler("neps-mobo", methods.MethodContext(
            config_space={"x": 1}, fidelity_attr="epoch", max_t=3, random_seed=0))


def test_a_package_that_cannot_be_imported_says_why(tmp_path, monkeypatch):
    pkg = tmp_path / "broken_extra_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import a_dependency_that_is_not_there\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingExtraError, match=r"feature X needs broken_extra_pkg, which cannot "
                                                r"be imported \(No module named "
                                                r"'a_dependency_that_is_not_there'\)"):
        require("broken_extra_pkg", "feature X")


def test_bench_nsga2_without_optuna_is_one_line_naming_the_extra(tmp_path):
    import subprocess
    import sys

    code = ("import sys; sys.modules['optuna'] = None\nfrom syne_mohb.cli import main\n"
            f"sys.exit(main(['bench','--methods','nsga2','--seeds','1','--output',"
            f"{str(tmp_path)!r},'--quiet']))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "method nsga2 needs optuna, which is not installed: pip install 'syne-mohb[optuna]'" \
        in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("method, package, extra", [
    ("nsga2", "optuna", "optuna"), ("motpe", "optuna", "optuna"), ("st-ehvi", "botorch", "ehvi"),
    ("neps-mobo", "neps", "neps")])
def test_bench_names_a_methods_missing_extra_before_any_run(method, package, extra, monkeypatch,
                                                            tmp_path, capsys):
    from syne_mohb.cli import main

    monkeypatch.setitem(sys.modules, package, None)
    assert main(["bench", "--methods", f"moasha,{method}", "--output", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"method {method} needs {package}" in err and f"syne-mohb[{extra}]" in err
    assert not (tmp_path / "o").exists()  # nothing started
    assert main(["bench", "--list-methods"]) == 0
    assert f"  {method} (needs the [{extra}] extra)\n" in capsys.readouterr().out


@pytest.mark.slow
def test_the_wheel_carries_every_data_file_of_the_package(tmp_path):
    """A user's ``pip install syne-mohb`` gets a wheel, not this checkout: the shipped
    benchmarks, the instance catalog and the report's script and style must be in it (the
    editable install of the test suite would not notice a missing one). Built from a copy:
    pip builds in the source tree, and a ``build/`` left in this shared checkout would race
    with another run's and ship modules deleted since."""
    import shutil
    import subprocess
    import zipfile

    src = tmp_path / "src"
    shutil.copytree(ROOT / "syne_mohb", src / "syne_mohb",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.cfg", "README.md", "MANIFEST.in"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp_path), str(src)], check=True, capture_output=True)
    wheel, = tmp_path.glob("syne_mohb-*.whl")
    packed = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("syne_mohb/")}
    package = ROOT / "syne_mohb"
    files = {p.relative_to(ROOT).as_posix() for p in package.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert files, "no package files found"
    missing = sorted(files - packed)
    assert not missing, f"not in the wheel: {missing}"
    assert packed == files, f"in the wheel, not in the package: {sorted(packed - files)}"


def test_the_sdist_carries_every_tracked_file():
    """An unpacked sdist is a whole source tree (``make test`` runs in it): MANIFEST.in names
    every top-level file or folder git tracks that setuptools does not add itself (the package,
    README.md, pyproject.toml, setup.cfg). Without it the sdist had the tests but not their
    conftest.py and helpers, nor the examples and docs they read (13 collection errors)."""
    import subprocess

    try:
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    rules = [line.split() for line in (ROOT / "MANIFEST.in").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    grafted = {w.rstrip("/") for r in rules if r[0] == "graft" for w in r[1:]}
    included = {w for r in rules if r[0] == "include" for w in r[1:]}
    auto = {"syne_mohb", "README.md", "pyproject.toml", "setup.cfg", "MANIFEST.in"}
    left_out = sorted(f for f in tracked if f and (ROOT / f).exists()
                      and not f.startswith(".")  # .gitignore, .ci/: the checkout's own
                      and f.split("/")[0] not in grafted | auto and f not in included)
    assert not left_out, f"tracked but not in the sdist (MANIFEST.in): {left_out}"


def test_the_version_is_the_one_of_pyproject():
    import syne_mohb

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert syne_mohb.__version__ == project["version"]
