"""The citizen dashboard's figures: points and avoided emissions per month, and the rules that gave them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from citizens.models import LowCarbonDay
from factors.sinks import InclusionRule, SinkLibrary, default_sink_library

RECENT_DAYS = 14


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    points: int
    walk: int
    cycle: int
    bus: int
    avoided_g_co2: Decimal
    days: int


@dataclass(frozen=True)
class Summary:
    points: int
    avoided_g_co2: Decimal
    days: int
    months: list[Month]  # oldest first
    recent: list[LowCarbonDay]  # newest first
    methodology: list[InclusionRule]  # the rules behind points and avoided grams, cited on the page


def summary(session: Session, *, user_id: int, library: SinkLibrary | None = None) -> Summary:
    """Every day of the citizen added up, month by month (sums of the stored days, never recomputed another way)."""
    library = library or default_sink_library()
    days = list(session.exec(select(LowCarbonDay).where(LowCarbonDay.user_id == user_id)
                             .order_by(LowCarbonDay.day)).all())
    by_month: dict[str, list[LowCarbonDay]] = {}
    for day in days:
        by_month.setdefault(day.day.strftime("%Y-%m"), []).append(day)
    months = [Month(month, sum(d.points for d in rows), sum(d.walk_points for d in rows),
                    sum(d.cycle_points for d in rows), sum(d.bus_points for d in rows),
                    sum((d.avoided_g_co2 for d in rows), Decimal(0)), len(rows))
              for month, rows in by_month.items()]
    rules = [library.rule(rule_id) for rule_id in ("walk.steps_per_point", "walk.daily_point_cap",
                                                    "cycle.points_per_minute", "cycle.daily_point_cap",
                                                    "bus.points_per_trip", "bus.avoided_g_per_pkm",
                                                    "metro.avoided_g_per_pkm")]
    return Summary(points=sum(m.points for m in months), avoided_g_co2=sum((m.avoided_g_co2 for m in months),
                                                                          Decimal(0)),
                   days=len(days), months=months, recent=list(reversed(days[-RECENT_DAYS:])), methodology=rules)
