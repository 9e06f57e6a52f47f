"""Stateless footprint requests: the API schemas and the citizen's calculator page over the pure calculators."""
