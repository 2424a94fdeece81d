"""End to end: Tuner + LocalBackend + MO-ASHA on a real training script
(examples/train_digits.py)."""
import importlib.util
from pathlib import Path

import pytest
from syne_tune.experiments import load_experiment

ROOT = Path(__file__).resolve().parents[1]


def _load_example():
    spec = importlib.util.spec_from_file_location(
        "moasha_local_digits", ROOT / "examples" / "moasha_local_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_local_run_stops_trials_and_records_both_metrics(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    example = _load_example()
    # long enough that a trial stopped at a rung cannot print all its epochs before it is killed,
    # even on an idle machine where an epoch takes ~20 ms
    max_t = 81
    # stop on a trial count (not on wall-clock time) so that a loaded machine gives the same run
    tuner = example.run(max_wallclock=300, workers=2, max_epochs=max_t, seed=3, max_finished=8,
                        sleep_time=0.2)
    exp = load_experiment(tuner.name)
    results = exp.results
    assert exp.metadata["metric_names"] == ["accuracy", "elapsed_time"]
    assert exp.metadata["metric_mode"] == ["max", "min"]
    assert results["accuracy"].notna().all() and results["elapsed_time"].notna().all()
    assert results.trial_id.nunique() >= 6

    stopped = sorted(tuner.trials_scheduler_stopped)
    early = [t for t in stopped if results[results.trial_id == t].epoch.max() < max_t]
    assert early, "MO-ASHA stopped no trial early"
    backend = tuner.trial_backend
    for trial_id in early:
        recorded = results[results.trial_id == trial_id]
        # the decision was taken at a rung level and nothing after it was recorded
        assert recorded.epoch.max() in (1, 3, 9, 27)
        # the training process really ended before finishing its epochs
        assert backend.trial_subprocess[trial_id].poll() is not None
        printed = sum("[tune-metric]" in line for line in backend.stdout(trial_id))
        assert printed < max_t, f"trial {trial_id} printed {printed} metric lines"
    # the Pareto table is computed from the recorded results
    table = example.pareto_table(results)
    assert len(table) >= 1 and set(table.columns) >= {"accuracy", "elapsed_time"}
