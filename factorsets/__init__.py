"""Published factor sets: the immutable copy of each factor-library version in the database."""
