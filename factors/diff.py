"""What changed between two factor-set versions: added, removed and re-valued factors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from factors.model import FactorSet


@dataclass(frozen=True)
class FactorChange:
    id: str
    old_value: Decimal
    new_value: Decimal
    relative_change: Decimal  # (new - old) / old; 0.1 means 10% higher


@dataclass(frozen=True)
class FactorSetDiff:
    old_version: str
    new_version: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[FactorChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_factor_sets(old: FactorSet, new: FactorSet) -> FactorSetDiff:
    """Compare values by number, so a value reprinted with more zeros (0.55 -> 0.5500) is not a change."""
    old_ids, new_ids = set(old.factors), set(new.factors)
    changed = []
    for factor_id in sorted(old_ids & new_ids):
        before, after = old.factors[factor_id].kgco2e_per_unit, new.factors[factor_id].kgco2e_per_unit
        if before != after:
            # The loader guarantees positive values, so the division is safe.
            changed.append(FactorChange(factor_id, before, after, (after - before) / before))
    return FactorSetDiff(
        old_version=old.version,
        new_version=new.version,
        added=tuple(sorted(new_ids - old_ids)),
        removed=tuple(sorted(old_ids - new_ids)),
        changed=tuple(changed),
    )
