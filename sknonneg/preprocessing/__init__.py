"""Preprocessing that keeps monotonicity constraints exact."""

from ._ramps import RampTransformer

__all__ = ["RampTransformer"]
