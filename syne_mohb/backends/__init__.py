from syne_mohb.backends._sagemaker_retry import RetryPolicy  # noqa: E402,F401
from syne_mohb.backends.sagemaker import SageMakerBackend  # noqa: E402,F401
from syne_mohb.backends.cost import COST_CAP_REACHED, CostAccountingMixin  # noqa: E402,F401
from syne_mohb.backends.cost import TrialCostLedger  # noqa: E402,F401
from syne_mohb.backends.local import LocalProfileBackend  # noqa: E402,F401
