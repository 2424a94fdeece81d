"""Trial schedulers: ours and the baselines and peers they are compared with.

* :class:`MOASHA` (:mod:`.moasha`) -- our multi-objective asynchronous successive halving;
* :class:`FIFOScheduler` (:mod:`.fifo`) -- every trial to its end (multi-objective random search);
* :class:`AskTellScheduler` (:mod:`.ask_tell`) -- the base of the ask/tell peers:
  :class:`OptunaAskTellScheduler` (:mod:`.optuna_ask_tell`) -- an Optuna sampler (NSGA-II,
  MOTPE) -- and :class:`NePSAskTellScheduler` (:mod:`.neps_ask_tell`) -- NePS's MO-BO;
* :func:`syne_tune_moasha` and :class:`STNonDominatedPriority` (:mod:`.st_moasha`) -- Syne
  Tune 0.16's MOASHA as a peer, as shipped or with its rank bug patched;
* :class:`DelegatingScheduler` (:mod:`.delegating`) -- the base of schedulers that wrap another
  (the durable journal, :class:`TrialCap`).

Which method of the comparisons builds which scheduler: :mod:`syne_mohb.experiments.methods`.
"""
from syne_mohb.schedulers.ask_tell import AskTellScheduler
from syne_mohb.schedulers.delegating import DelegatingScheduler
from syne_mohb.schedulers.fifo import FIFOScheduler
from syne_mohb.schedulers.moasha import MOASHA, MultiObjectiveMetrics, Rung, continue_threshold
from syne_mohb.schedulers.neps_ask_tell import NePSAskTellScheduler
from syne_mohb.schedulers.optuna_ask_tell import OptunaAskTellScheduler
from syne_mohb.schedulers.st_moasha import STNonDominatedPriority, syne_tune_moasha
from syne_mohb.schedulers.trial_cap import TrialCap

__all__ = [
    "AskTellScheduler",
    "DelegatingScheduler",
    "FIFOScheduler",
    "MOASHA",
    "MultiObjectiveMetrics",
    "NePSAskTellScheduler",
    "OptunaAskTellScheduler",
    "Rung",
    "STNonDominatedPriority",
    "TrialCap",
    "continue_threshold",
    "syne_tune_moasha",
]
