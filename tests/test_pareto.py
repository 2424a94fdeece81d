import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from _reference import brute_force_ranks
from syne_mohb.pareto import (
    crowding_distance,
    epsilon_net_order,
    hypervolume,
    nondominated_rank,
    nondominated_rank_numpy,
    normalize_modes,
    pareto_front,
    pareto_mask,
    rung_order,
    rung_positions,
    to_minimization,
)

small_values = st.sampled_from([0.0, 1.0, 2.0, 3.0, np.inf, np.nan])


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 4)), elements=small_values))
def test_ranks_match_brute_force_with_ties_duplicates_and_nan(Y):
    ref = brute_force_ranks(Y)
    np.testing.assert_array_equal(nondominated_rank(Y), ref)
    np.testing.assert_array_equal(nondominated_rank_numpy(Y), ref)


def test_ranks_seeded_random_mixed_modes():
    rng = np.random.RandomState(0)
    for _ in range(50):
        n, m = rng.randint(1, 60), rng.randint(2, 4)
        Y = rng.randint(0, 5, size=(n, m)).astype(float)
        mode = [rng.choice(["min", "max"]) for _ in range(m)]
        np.testing.assert_array_equal(nondominated_rank(Y, mode), brute_force_ranks(Y, mode))


def test_max_mode_is_negation_and_nan_is_worst():
    Y = np.array([[1.0, np.nan], [2.0, 3.0]])
    Ym = to_minimization(Y, ["max", "min"])
    assert Ym[0, 0] == -1.0 and Ym[0, 1] == np.inf and Ym[1, 0] == -2.0
    # accuracy max, time min: (0.9, 10) dominates (0.8, 20); (0.95, 30) is a trade-off
    Y = np.array([[0.9, 10.0], [0.8, 20.0], [0.95, 30.0]])
    np.testing.assert_array_equal(nondominated_rank(Y, ["max", "min"]), [0, 1, 0])
    idx, pts = pareto_front(Y, ["max", "min"])
    np.testing.assert_array_equal(idx, [0, 2])
    np.testing.assert_array_equal(pts, Y[[0, 2]])


def test_duplicates_share_rank_and_are_all_on_front():
    Y = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(nondominated_rank(Y), [0, 0, 1])
    np.testing.assert_array_equal(pareto_mask(Y), [True, True, False])


def test_mode_validation_names_parameter():
    with pytest.raises(ValueError, match="mode has 1 entries but there are 2"):
        normalize_modes(["min"], 2)
    with pytest.raises(ValueError, match="'min' or 'max'"):
        to_minimization(np.zeros((2, 2)), "minimize")


def test_epsilon_net_starts_at_best_of_seed_objective_and_spreads():
    # a front along x + y = 1; seed = best x (index 3), then the farthest (best y), then middle
    F = np.array([[0.5, 0.5], [0.9, 0.1], [0.1, 0.9], [0.0, 1.0], [1.0, 0.0], [0.45, 0.55]])
    order = epsilon_net_order(F, seed_objective=0)
    assert order[0] == 3
    assert order[1] == 4
    assert order[2] in (0, 5)
    assert sorted(order.tolist()) == list(range(6))
    assert epsilon_net_order(F, seed_objective=1)[0] == 4
    # duplicates come last
    F = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(epsilon_net_order(F), [0, 2, 1])
    # early exit returns a prefix of the full order
    F = np.random.RandomState(1).rand(30, 3)
    np.testing.assert_array_equal(epsilon_net_order(F, stop_at=7), epsilon_net_order(F)[:7])


def test_crowding_distance_hand_computed():
    F = np.array([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]])
    d = crowding_distance(F)
    assert np.isinf(d[0]) and np.isinf(d[3])
    # point 1: (2-0)/4 + (4-1)/4 = 1.25; point 2: (4-1)/4 + (2-0)/4 = 1.25
    np.testing.assert_allclose(d[1:3], [1.25, 1.25])


def test_rung_order_is_rank_then_tie_break():
    Y = np.array([[3.0, 3.0], [0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [0.5, 0.5]])
    order = rung_order(Y)
    assert set(order[:3]) == {1, 2, 4}
    np.testing.assert_array_equal(order[3:], [3, 0])
    pos = rung_positions(Y)
    assert pos[0] == 4 and pos[3] == 3


def test_hypervolume_hand_computed_2d_3d_4d_and_modes():
    # 2-D minimisation, ref (3, 3): union of [1,3]x[2,3] and [2,3]x[1,3] = 2 + 2 - 1 = 3
    assert hypervolume([[1, 2], [2, 1]], [3, 3]) == pytest.approx(3.0)
    # same front as (accuracy max, time min) with ref accuracy 0, time 3
    assert hypervolume([[2, 2], [1, 1]], [0, 3], ["max", "min"]) == pytest.approx(2 * 1 + 1 * 1)
    # points outside the reference box contribute nothing
    assert hypervolume([[4, 4]], [3, 3]) == 0.0
    assert hypervolume([[1, 1, 1]], [2, 3, 4]) == pytest.approx(1 * 2 * 3)
    assert hypervolume([[1, 2, 1, 1], [2, 1, 1, 1]], [3, 3, 3, 3]) == pytest.approx(12.0)
    # dominated points do not change it
    assert hypervolume([[1, 2], [2, 1], [2.5, 2.5]], [3, 3]) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="ref_point has 3 entries"):
        hypervolume([[1, 2]], [3, 3, 3])


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.just(2)),
              elements=st.floats(0, 10, allow_nan=False)))
def test_hypervolume_2d_matches_grid_sweep(Y):
    ref = np.array([11.0, 11.0])
    # exact 2-D sweep over the non-dominated points sorted by the first objective
    P = Y[pareto_mask(Y)]
    P = P[np.lexsort((P[:, 1], P[:, 0]))]
    hv, best_y = 0.0, ref[1]
    for x, yv in P:
        if yv < best_y:
            hv += (ref[0] - x) * (best_y - yv)
            best_y = yv
    assert hypervolume(Y, ref) == pytest.approx(hv)


def test_tie_breaks_on_hand_checked_fronts():
    from syne_mohb.pareto import crowding_order, epsilon_net_order

    # seed: best objective 0 -> (0, 1); farthest: (1, 0); then (0.5, 0.5) (0.5 from both)
    # before (0.1, 0.9) (0.02 from the seed)
    F = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.1, 0.9]])
    assert epsilon_net_order(F).tolist() == [0, 1, 2, 3]
    assert epsilon_net_order(F, seed_objective=1).tolist() == [1, 0, 2, 3]
    # crowding: extremes first (index order), then (0.1, 0.9): gaps 0.5 + 0.5 = 1.0, and
    # (0.5, 0.5): gaps (1 - 0.1) + (0.9 - 0) = 1.8
    assert crowding_order(F).tolist() == [0, 1, 2, 3]
    G = np.array([[0.0, 1.0], [0.45, 0.55], [1.0, 0.0], [0.5, 0.5]])
    # crowding of (0.45, 0.55): 0.5 + 0.5 = 1.0; (0.5, 0.5): 0.55 + 0.55 = 1.1
    assert crowding_order(G).tolist() == [0, 2, 3, 1]


def test_tie_breaks_match_independent_references():
    from _reference import reference_crowding_order, reference_epsilon_net_order
    from syne_mohb.pareto import crowding_order, epsilon_net_order

    rng = np.random.RandomState(3)
    for _ in range(200):
        k, m = rng.randint(1, 12), rng.randint(2, 4)
        F = rng.randint(0, 6, size=(k, m)).astype(float)
        if rng.rand() < 0.2:
            F[rng.randint(k), rng.randint(m)] = np.inf
        seed = rng.randint(m)
        assert epsilon_net_order(F, seed).tolist() == reference_epsilon_net_order(F, seed)
        assert crowding_order(F).tolist() == reference_crowding_order(F)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(2, 3), st.integers(0, 2**31 - 1))
def test_epsilon_net_with_duplicates_matches_the_reference(distinct, k, m, seed):
    """Fronts of few distinct points drawn many times (a configuration drawn again on the same
    type and seed gives the same objectives): the duplicates' tail, appended at once, is the
    order the greedy steps would give; ``until_index`` and ``stop_at`` cut it where the full
    order places that point or that many points."""
    from _reference import reference_epsilon_net_order

    rng = np.random.RandomState(seed)
    points = rng.rand(distinct, m)
    F = points[rng.randint(0, distinct, size=k)]
    if rng.rand() < 0.3:
        F[rng.randint(0, k), rng.randint(0, m)] = np.inf  # a missing metric
    full = epsilon_net_order(F)
    assert full.tolist() == reference_epsilon_net_order(F)
    target = int(rng.randint(0, k))
    cut = epsilon_net_order(F, until_index=target)
    where = full.tolist().index(target)
    # a prefix of the full order that holds the target (the tail may come whole)
    assert cut.tolist() == full[: len(cut)].tolist() and target in cut.tolist()
    assert len(cut) == where + 1 or len(cut) == k
    targets = rng.choice(k, size=int(rng.randint(1, k + 1)), replace=False)
    cut = epsilon_net_order(F, until_index=targets)  # the first of several placed
    first = min(full.tolist().index(t) for t in targets)
    assert cut.tolist() == full[: len(cut)].tolist()
    assert len(cut) == first + 1 or len(cut) == k
    stop = int(rng.randint(0, k + 1))
    np.testing.assert_array_equal(epsilon_net_order(F, stop_at=stop), full[:stop])
    for bad in (k, [0, k], [], 0.5):
        with pytest.raises(ValueError, match="until_index must be None or rows of F"):
            epsilon_net_order(F, until_index=bad)
