"""Pure footprint calculators over a FactorSet."""
