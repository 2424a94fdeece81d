"""``OptunaAskTellScheduler``: any Optuna sampler (default NSGA-II) as a Syne Tune scheduler.

The ``nsga2`` peer of the comparisons (:mod:`syne_mohb.experiments.methods`). Optuna is
imported when the scheduler is built.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from syne_tune.config_space import Categorical, Domain, FiniteRange, Float, Integer, is_log_space

from syne_mohb.schedulers.ask_tell import AskTellScheduler

__all__ = ["OptunaAskTellScheduler"]


def _optuna():
    """Optuna, or a one-line error naming the extra to install."""
    from syne_mohb._lazy import require

    return require("optuna", "OptunaAskTellScheduler (methods nsga2, motpe)")


def _optuna_distribution(name: str, domain: Domain):
    optuna = _optuna()

    if isinstance(domain, Categorical):
        return optuna.distributions.CategoricalDistribution(list(domain.categories))
    if isinstance(domain, FiniteRange):  # finrange, logfinrange: their values, as categories
        return optuna.distributions.CategoricalDistribution(list(domain.values))
    if isinstance(domain, Integer):
        return optuna.distributions.IntDistribution(int(domain.lower), int(domain.upper),
                                                    log=is_log_space(domain))
    if isinstance(domain, Float):
        return optuna.distributions.FloatDistribution(float(domain.lower), float(domain.upper),
                                                      log=is_log_space(domain))
    raise ValueError(f"hyperparameter {name!r}: domain {type(domain).__name__} has no Optuna "
                     "equivalent")


@contextmanager
def _quiet(optuna):
    """Optuna's INFO lines (a study created, every trial told: one line per trial) withheld
    while this scheduler calls Optuna; the user's verbosity is set back afterwards."""
    level = optuna.logging.get_verbosity()
    if level >= optuna.logging.WARNING:
        yield
        return
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class OptunaAskTellScheduler(AskTellScheduler):
    """Any Optuna sampler (default: NSGA-II) as a Syne Tune scheduler, through ask/tell.

    ``suggest`` asks the study for a trial; the final result of a completed trial is told with
    one value per metric (Optuna handles per-metric directions). Trials run to the end (Optuna
    cannot prune multi-objective studies). Failed trials are told as FAIL.

    :param config_space: Syne Tune config space (Categorical, Integer, Float domains; finite
        ranges, as categoricals of their values; constants)
    :param metrics: metric names
    :param mode: "min"/"max" per metric (or one for all, or a dict metric -> mode)
    :param sampler: an Optuna sampler (default ``NSGAIISampler(population_size, seed)``)
    :param population_size: NSGA-II population size when ``sampler`` is None
    :param random_seed: seed of the default sampler
    """

    def __init__(self, config_space: dict[str, Any], metrics: list[str], mode: str | list[str],
                 sampler=None, population_size: int = 20, random_seed: int | None = None):
        super().__init__(config_space, metrics, mode, random_seed=random_seed)
        optuna = _optuna()

        if sampler is None:
            if isinstance(population_size, bool) or not isinstance(population_size, int) \
                    or population_size < 2:
                raise ValueError(f"population_size must be an integer >= 2, got "
                                 f"{population_size!r}")
            sampler = optuna.samplers.NSGAIISampler(population_size=population_size,
                                                    seed=self.random_seed)
        with _quiet(optuna):
            self.study = optuna.create_study(
                directions=["minimize" if m == "min" else "maximize" for m in self.modes],
                sampler=sampler,
            )
        self._distributions = {
            k: _optuna_distribution(k, v) for k, v in config_space.items() if isinstance(v, Domain)
        }

    def _ask(self) -> tuple[Any, dict[str, Any]]:
        otrial = self.study.ask(self._distributions)
        return otrial, otrial.params

    def _tell(self, handle: Any, values: list[float] | None) -> None:
        optuna = _optuna()

        with _quiet(optuna):
            if values is None:
                self.study.tell(handle, state=optuna.trial.TrialState.FAIL)
            else:
                self.study.tell(handle, values)

    def metadata(self) -> dict[str, Any]:
        metadata = super().metadata()
        metadata["sampler"] = type(self.study.sampler).__name__
        return metadata
