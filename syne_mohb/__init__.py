"""syne-mohb: multi-objective, hardware-aware hyperparameter tuning on Syne Tune."""

__version__ = "0.1.0"
