"""A user's walk through syne_mohb.pareto, experiments.metrics, experiments.plots and
hardware.pricing with awkward inputs: each bad input gets a one-line ValueError naming the
parameter, never a traceback from deep inside numpy, pandas, moocore or pathlib."""
from __future__ import annotations

import json
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest
from botocore.stub import Stubber

from syne_mohb import pareto
from syne_mohb.experiments import metrics, plots
from syne_mohb.experiments.analysis import Run
from syne_mohb.hardware import PriceRefreshError, pricing


def _run(rows, objectives=("accuracy", "runtime", "cost"), modes=("max", "min", "min"),
         columns=("trial_id", "st_tuner_time", "accuracy", "runtime", "cost")):
    df = pd.DataFrame(rows, columns=list(columns))
    return Run(path=Path("run-0"), results=df, metadata={}, objectives=list(objectives),
               modes=list(modes))


RUN_ROWS = [(0, 1.0, 0.5, 1.0, 0.1), (1, 2.0, 0.8, 2.0, 0.4), (0, 3.0, 0.9, 3.0, 0.3),
            (2, 4.0, 0.85, 0.5, 0.05)]


# ------------------------------------------------------------------ pareto
def test_pareto_bad_shapes_and_values_name_the_parameter():
    with pytest.raises(ValueError, match=r"^Y must be a numeric array"):
        pareto.pareto_mask([["a", "b"]])
    with pytest.raises(ValueError, match=r"^Y must be a numeric array"):
        pareto.nondominated_rank([[1, 2], [3]])  # ragged
    with pytest.raises(ValueError, match=r"^Y must have at least one objective"):
        pareto.pareto_mask(np.zeros((3, 0)))  # was a moocore error
    with pytest.raises(ValueError, match=r"^a and b must be two points"):
        pareto.dominates([1, 2], [2, 2, 3])  # was a numpy broadcast error
    with pytest.raises(ValueError, match=r"^block must be a positive int"):
        pareto.nondominated_rank_numpy([[1, 2]], block=0)  # was range() arg 3 must not be zero
    with pytest.raises(ValueError, match=r"^tie_break"):
        pareto.rung_order(np.zeros((0, 2)), tie_break="crowd")  # was accepted when empty
    with pytest.raises(ValueError, match=r"^ref_point must be a list of numbers"):
        pareto.hypervolume([[0.0, 0.0]], "a")


def test_hypervolume_empty_list_and_one_d_point():
    assert pareto.hypervolume([], [1.0, 1.0]) == 0.0  # was: ref_point has 2 entries, Y has 1
    assert pareto.hypervolume(np.zeros(0), [1.0, 1.0, 1.0]) == 0.0
    with pytest.raises(ValueError, match=r"Y is 1-D.*as \[Y\] \(shape \(1, 2\)\)"):
        pareto.hypervolume([0.5, 0.2], [1.0, 1.0])
    assert pareto.hypervolume([[0.5, 0.2]], [1.0, 1.0]) == pytest.approx(0.4)
    assert pareto.hypervolume([0.5, 0.2], [1.0]) == pytest.approx(0.8)  # 1 objective, 2 points


def test_epsilon_net_and_crowding_treat_nan_as_worst():
    # the module's rule: NaN is +inf, the worst value -- the net must not start at a NaN
    F = [[np.nan, 2.0], [1.0, 1.0], [3.0, 0.0]]
    Finf = [[np.inf, 2.0], [1.0, 1.0], [3.0, 0.0]]
    np.testing.assert_array_equal(pareto.epsilon_net_order(F), pareto.epsilon_net_order(Finf))
    assert pareto.epsilon_net_order(F)[0] == 1
    G = [[np.nan, 2.0], [1.0, 1.0], [2.0, 0.0], [0.0, 3.0]]
    np.testing.assert_array_equal(pareto.crowding_distance(G),
                                  pareto.crowding_distance(np.where(np.isnan(G), np.inf, G)))


def test_epsilon_net_stop_at():
    F = [[0.0, 3.0], [1.0, 1.0], [3.0, 0.0]]
    assert len(pareto.epsilon_net_order(F, stop_at=0)) == 0  # was one point
    np.testing.assert_array_equal(pareto.epsilon_net_order(F, stop_at=np.int64(2)),
                                  pareto.epsilon_net_order(F)[:2])
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match=r"^stop_at must be None or an int >= 0"):
            pareto.epsilon_net_order(F, stop_at=bad)


# ------------------------------------------------------------------ metrics
def test_normalizer_reads_a_dataframe_by_column_name_and_checks_width():
    run = _run(RUN_ROWS)
    norm = metrics.normalizer_from_runs([run])
    row = {"accuracy": [0.5], "runtime": [1.0], "cost": [0.1]}
    expected = norm.transform([[0.5, 1.0, 0.1]])
    np.testing.assert_array_equal(norm.transform(pd.DataFrame(row)), expected)
    reordered = pd.DataFrame(row)[["cost", "runtime", "accuracy"]]
    np.testing.assert_array_equal(norm.transform(reordered), expected)  # was read by position
    assert norm.hypervolume(run.results) == norm.hypervolume(run.results[run.objectives])
    with pytest.raises(ValueError, match=r"^Y must have one value per objective"):
        norm.transform([[0.5, 1.0]])  # was: cannot reshape array of size 2


def test_normalizer_modes_dict_log_none_and_empty_bounds():
    n = metrics.Normalizer(["a", "b"], {"b": "max", "a": "min"}, [0, 0], [1, 1], None)
    assert n.modes == ["min", "max"] and n.log.tolist() == [False, False]
    assert metrics.Normalizer(["a"], "min", [0], [1], {"a": True}).log.tolist() == [True]
    with pytest.raises(ValueError, match=r"^metric_log must be a dict"):
        metrics.log_flags(["a"], "true")  # was read as the flags 't', 'r', 'u', 'e'
    with pytest.raises(ValueError, match=r"^runs is empty"):
        metrics.normalizer_from_runs([])  # was IndexError
    empty = metrics.normalizer_from_runs([_run([])])  # was: zero-size array to reduction
    assert np.isnan(empty.lower).all() and empty.hypervolume([[0.5, 1.0, 0.1]]) == 0.0


def test_hypervolume_curve_unsorted_rows_and_bad_grid():
    norm = metrics.Normalizer(["a", "b"], "min", [0, 0], [1, 1], None)
    Y = np.array([[0.2, 0.8], [0.8, 0.2], [0.5, 0.5]])
    grid = np.array([0.0, 1.0, 2.0, 3.0])
    sorted_curve = metrics.hypervolume_curve_xy([1.0, 2.0, 3.0], Y, norm, grid)
    # the same rows out of time order: the curve counts rows with x <= g, whatever their order
    shuffled = metrics.hypervolume_curve_xy([3.0, 1.0, 2.0], Y[[2, 0, 1]], norm, grid)
    np.testing.assert_array_equal(shuffled, sorted_curve)
    nan_x = metrics.hypervolume_curve_xy([1.0, np.nan, 3.0], Y, norm, grid)
    np.testing.assert_array_equal(nan_x, metrics.hypervolume_curve_xy(
        [1.0, 3.0], Y[[0, 2]], norm, grid))  # a row without x never counts
    with pytest.raises(ValueError, match=r"^grid must be a 1-D array"):
        metrics.hypervolume_curve(_run(RUN_ROWS), metrics.normalizer_from_runs(
            [_run(RUN_ROWS)]), 5.0)
    with pytest.raises(ValueError, match=r"^x has 2 values but Y has 3 rows"):
        metrics.hypervolume_curve_xy([1.0, 2.0], Y, norm, grid)


def test_curves_over_seeds_without_runs_or_dollars():
    run = _run(RUN_ROWS)
    norm = metrics.normalizer_from_runs([run])
    with pytest.raises(ValueError, match=r"^runs is empty"):
        metrics.curves_over_seeds([], norm)  # was: need at least one array to concatenate
    with pytest.raises(ValueError, match=r"^num_points must be a positive int"):
        metrics.curves_over_seeds([run], norm, num_points=0)
    no_cost = _run([(0, 1.0, 0.5, 1.0)], ("accuracy", "runtime"), ("max", "min"),
                   ("trial_id", "st_tuner_time", "accuracy", "runtime"))
    n2 = metrics.Normalizer(["accuracy", "runtime"], ["max", "min"], [-1, 0], [0, 5], None)
    with pytest.raises(ValueError, match=r"^axis='dollars': no run records dollars"):
        metrics.curves_over_seeds([no_cost], n2, axis="dollars")  # was a NaN grid
    with pytest.raises(ValueError, match=r"^results must be a pandas DataFrame"):
        metrics.dollars_spent(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"no 'trial_id' column"):
        metrics.dollars_spent(pd.DataFrame({"cost": [1.0, 2.0]}))


def test_targets_name_the_missing_column_and_keep_found_models():
    run = _run(RUN_ROWS)
    for call in (lambda: metrics.time_to_target(run, "acc", 0.8),
                 lambda: metrics.best_value(run, "acc"),
                 lambda: metrics.found_model(run, 0.8, objective="acc")):
        with pytest.raises(ValueError, match=r"^objective='acc' is not a column"):
            call()  # was KeyError 'acc'
    with pytest.raises(ValueError, match=r"^cost_attr='dollars' is not a column"):
        metrics.found_model(run, 0.8, cost_attr="dollars")
    with pytest.raises(ValueError, match=r"^target must be a number"):
        metrics.time_to_target(run, "accuracy", "0.8")  # was a numpy UFuncTypeError
    assert metrics.time_to_target(run, "accuracy", 0.99) == (float("inf"), float("inf"))
    # one model at the target without a recorded cost must not hide the others
    gap = _run([(0, 1.0, 0.9, np.nan, np.nan), (1, 2.0, 0.95, 2.0, 0.4)])
    assert metrics.found_model(gap, 0.8) == (0.4, 2.0)  # was (nan, nan)
    assert np.isnan(metrics.found_model(_run([(0, 1.0, 0.9, np.nan, np.nan)]), 0.8)).all()
    m = metrics.run_measures(_run([]), 0.8, budget=10.0)  # a run without results
    assert (m["reached"], m["tune_time"], m["tune_dollars"]) == (0.0, 10.0, 0.0)


def test_paired_ratio_and_target_ratios_check_their_inputs():
    draws = metrics.seed_draws(2, 10)
    with pytest.raises(ValueError, match=r"^per_task\[0\] has 2 baseline and 3 method"):
        metrics.paired_ratio([(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))], draws)
    with pytest.raises(ValueError, match=r"draws resamples 3 seeds"):
        metrics.paired_ratio([(np.array([1.0, 2.0]), np.array([1.0, 1.0]))],
                             metrics.seed_draws(3, 10))  # was IndexError
    with pytest.raises(ValueError, match=r"^measures must be target_measures"):
        metrics.target_ratios(pd.DataFrame(), "a")  # was KeyError 'method'


# ------------------------------------------------------------------ plots
def test_plot_paths_and_bad_arguments(tmp_path):
    run = _run(RUN_ROWS)
    norm = metrics.normalizer_from_runs([run])
    folder = tmp_path / "plots"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"^path .* is a folder"):
        plots.plot_pareto(run, folder)  # wrote plots.png beside it and returned the folder
    assert not (tmp_path / "plots.png").exists()
    with pytest.raises(ValueError, match=r"^runs_by_method must be a dict"):
        plots.plot_hypervolume([run], norm, tmp_path / "hv.png")
    with pytest.raises(ValueError, match=r"^runs_by_method must be a dict"):
        plots.plot_hypervolume({"m": run}, norm, tmp_path / "hv.png")
    with pytest.raises(ValueError, match=r"^no run in runs_by_method has results"):
        plots.plot_hypervolume({"m": [_run([])]}, norm, tmp_path / "hv.png")  # was max() arg
    with pytest.raises(ValueError, match=r"^axis must be"):
        plots.plot_hypervolume({"m": [run]}, norm, tmp_path / "hv.png", axis="cost")
    with pytest.raises(ValueError, match=r"^objectives \['dollars'\] of run-0 are not columns"):
        plots.pareto_figure(_run(RUN_ROWS, objectives=("accuracy", "runtime", "dollars")))
    with pytest.raises(ValueError, match=r"^max_ticks must be a positive int"):
        plots.log_ticks(1.0, 1e4, max_ticks=0)  # was ZeroDivisionError
    # a method without runs is left out; a path without suffix gets the .png matplotlib adds
    out = plots.plot_hypervolume({"m": [run], "none": []}, norm, tmp_path / "hv", num_points=3)
    assert out == tmp_path / "hv.png" and out.is_file()


# ------------------------------------------------------------------ pricing
def _item(price: str, instance: str = "ml.m5.large") -> str:
    return json.dumps({
        "product": {"productFamily": "ML Instance", "attributes": {
            "usagetype": f"USE1-Train:{instance}", "instanceName": instance, "vCpu": "2"}},
        "terms": {"OnDemand": {"T": {"priceDimensions": {"D": {
            "unit": "Hrs", "pricePerUnit": {"USD": price}}}}}}})


@pytest.fixture
def client():
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def test_refresh_skips_non_finite_prices(client, tmp_path):
    with Stubber(client) as stub:
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [
            _item("NaN", "ml.c5.large"), _item("Infinity", "ml.c5.xlarge"), _item("0.25")]})
        prices = pricing.refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
    assert set(prices) == {"ml.m5.large"}  # NaN and inf were cached as prices
    assert json.loads(pricing.cache_path("us-east-1", tmp_path).read_text())["prices"].keys() \
        == {"ml.m5.large"}
    with pytest.raises(ValueError, match=r"^a Price List entry must be a JSON object"):
        pricing.parse_price_item("[1, 2]")


def test_refresh_checks_cache_dir_before_calling_the_api(client, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with Stubber(client) as stub:  # no response queued: any API call would fail the test
        with pytest.raises(ValueError, match=r"^cache_dir .* cannot be used"):
            pricing.refresh_prices("us-east-1", cache_dir=not_a_folder, client=client)
        with pytest.raises(ValueError, match=r"^max_pages must be a positive int"):
            pricing.refresh_prices("us-east-1", cache_dir=tmp_path, client=client,
                                   max_pages=True)
        stub.assert_no_pending_responses()


def test_partial_refresh_keeps_previous_cache_and_no_credentials_hint(client, tmp_path):
    path = pricing.cache_path("us-east-1", tmp_path)
    previous = {"region": "us-east-1", "price_date": "2025-01-01",
                "prices": {"ml.m5.large": {"price_per_hour": 0.1}}}
    path.write_text(json.dumps(previous))
    with Stubber(client) as stub:  # page 1 answers, page 2 is throttled
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [
            _item("0.3")], "NextToken": "t2"})
        stub.add_client_error("get_products", service_error_code="ThrottlingException",
                              service_message="Rate exceeded", http_status_code=400)
        with pytest.raises(PriceRefreshError, match=r"page 2.*ThrottlingException"):
            pricing.refresh_prices("us-east-1", cache_dir=tmp_path, client=client)
    assert json.loads(path.read_text()) == previous
    no_keys = boto3.client("pricing", region_name="us-east-1")
    from botocore.exceptions import NoCredentialsError

    def raise_no_credentials(**kwargs):
        raise NoCredentialsError()
    no_keys.get_products = raise_no_credentials
    with pytest.raises(PriceRefreshError, match=r"Unable to locate credentials.*Configure AWS"):
        pricing.refresh_prices("us-east-1", cache_dir=tmp_path, client=no_keys)
    assert json.loads(path.read_text()) == previous


def test_a_run_takes_one_mode_for_all_objectives_or_names_its_modes():
    from pathlib import Path

    import pandas as pd

    from syne_mohb.experiments.analysis import Run

    run = Run(path=Path("."), results=pd.DataFrame(), metadata={}, objectives=("a", "b"),
              modes="min")
    assert run.modes == ["min", "min"] and run.objectives == ["a", "b"]
    with pytest.raises(ValueError, match="modes"):
        Run(path=Path("."), results=pd.DataFrame(), metadata={}, objectives=["a", "b"],
            modes=["min"])


def test_an_infinite_metric_counts_for_nothing_in_the_hypervolume():
    """One -inf cost made the hypervolume infinite and ended the HTML page's curve there; a
    NaN or +inf already counted for nothing."""
    import numpy as np

    from syne_mohb.experiments.metrics import Normalizer, hypervolume_curve_xy

    norm = Normalizer.from_values(["acc", "cost"], ["max", "min"],
                                  np.array([[0.5, 1.0], [0.9, 4.0]]), log=None)
    good = np.array([[0.6, 2.0], [0.8, 3.0]])
    bad = np.vstack([good, [[0.7, -np.inf]], [[np.nan, 1.0]]])
    assert norm.hypervolume(bad) == norm.hypervolume(good) > 0
    curve = hypervolume_curve_xy(np.arange(4.0), bad, norm, np.array([1.0, 3.0]))
    assert np.isfinite(curve).all() and curve[-1] == norm.hypervolume(good)


def test_review_fixes_arrays_scalars_numpy_limits_and_unbounded_hypervolume(tmp_path):
    """Found by reading the change: an ordered numpy array of instance types is a list of
    them; Syne Tune's scalar metric= reaches the instance preference; a numpy limit of a
    stop criterion is a number; a point at -inf in 3 or 4 objectives is an infinite
    hypervolume (moocore crashed the process on it); an empty run keeps its columns."""
    import numpy as np
    import pandas as pd
    from syne_tune import StoppingCriterion
    from syne_tune.config_space import choice, uniform

    import syne_mohb
    from syne_mohb.experiments import run_replay
    from syne_mohb.hardware.policy import HardwarePolicy
    from syne_mohb.pareto import hypervolume
    from syne_mohb.schedulers import FIFOScheduler
    from syne_mohb.searchers.random import RandomSearcher

    types = np.array(["ml.g4dn.xlarge", "ml.g5.xlarge"])
    assert HardwarePolicy(instance_types=types).instance_types == list(types)
    with pytest.raises(ValueError, match="a set has no order"):
        HardwarePolicy(instance_types={"ml.g4dn.xlarge", "ml.g5.xlarge"})
    space = {"x": uniform(0, 1), "instance_type": choice(list(types))}
    searcher = RandomSearcher(space, random_seed=0, instance_attr="instance_type",
                              modes=["min"])
    searcher.on_trial_result(0, {"x": 0.5, "instance_type": types[0]}, metric=0.42,
                             resource_level=1)
    for m in (3, 4):
        assert hypervolume([[-np.inf] + [0.5] * (m - 1), [0.2] * m], [1.0] * m) == np.inf
    front = syne_mohb.pareto_set(pd.DataFrame(columns=["trial_id", "epoch", "config_lr", "acc"]),
                                 ["acc"], ["max"])
    assert list(front.columns) == ["trial_id", "epoch", "lr", "acc"]
    from syne_mohb import blackboxes

    mlp = dict(blackboxes.load("mlp")["digits"].configuration_space)
    tuner = run_replay(blackboxes.make_backend("mlp", "digits"),
                       FIFOScheduler(mlp, ["accuracy"], "max", random_seed=0),
                       StoppingCriterion(max_num_trials_started=np.int64(3)),
                       results_root=str(tmp_path), tuner_name="np-limit")
    assert tuner.tuning_status.num_trials_started >= 3
