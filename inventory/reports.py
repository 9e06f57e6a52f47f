"""The yearly inventory report, aggregated in the database: scopes, categories, facilities, months and more.

Each record's kg were computed when it was written (inventory.entries) and added to the monthly summary in the same
transaction (inventory.summary), so a report only adds up the year's summary rows (a few thousand, however many
records there are), with GROUP BY in the database and two passes:

- by scope, GHG Protocol category, ISO 14064-1 category, data-quality grade, validation and compensation;
- by facility, month and scope.

Everything else (totals, year-over-year change, intensities, shares) is rolled up from those few groups in exact
Decimal arithmetic. PostgreSQL keeps kg as NUMERIC and its SUM is exact. SQLite keeps them as text (its NUMERIC
is a float), so on SQLite the sum is an aggregate function of this module's (`exact_sum`), registered on the
connection: the grouping is still the database's, each group's sum an exact Decimal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import Session, select

from calculators.footprint import ZERO, div, dsum, mul, plain
from inventory import periods
from inventory.models import Facility
from inventory.rights import Actor
from meetings.footprint import exact_sum

KG_PER_TONNE = Decimal(1000)
# 《碳排放权交易管理办法（试行）》（生态环境部令第19号，2020年12月31日公布，2021年2月1日起施行）第二十九条：
# "重点排放单位每年可以使用国家核证自愿减排量抵销碳排放配额的清缴，抵销比例不得超过应清缴碳排放配额的5%。"
# The allowances to surrender equal the verified emissions (第二十八条: 清缴量应当大于等于……核查结果确认的该单位上年度
# 温室气体实际排放量), so the cap is 5% of the verified emissions. Text read at
# http://www.jianbiaoku.com/webarbs/book/172124/4863227.shtml (the order's full text, 第五章 排放核查与配额清缴).
CCER_CAP_SHARE = Decimal("0.05")
CCER_CAP_RULE = "《碳排放权交易管理办法（试行）》（生态环境部令第19号）第二十九条"
ISO_CATEGORIES = {1: "Direct GHG emissions and removals", 2: "Indirect GHG emissions from imported energy",
                  3: "Indirect GHG emissions from transportation",
                  4: "Indirect GHG emissions from products used by the organisation",
                  5: "Indirect GHG emissions associated with the use of products from the organisation",
                  6: "Indirect GHG emissions from other sources"}
SCOPES = ("1", "2", "3", "outside")


class _ExactSum:
    """SQLite aggregate: the exact sum of decimal text, as decimal text (NULL when every value is NULL)."""

    def __init__(self):
        self.values: list[str] = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return format(exact_sum(map(Decimal, self.values)), "f") if self.values else None


def _sum(session: Session) -> str:
    """The SQL of an exact sum on this database (registering it on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return "sum"
    session.connection().connection.driver_connection.create_aggregate("exact_sum", 1, _ExactSum)
    return "exact_sum"


def _decimal(value) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(value)


@dataclass(frozen=True)
class Totals:
    """kg by scope; Scope 2 by both methods. The total counts location-based Scope 2, the market total the other."""

    scope1: Decimal = ZERO
    scope2_location: Decimal = ZERO
    scope2_market: Decimal = ZERO
    scope3: Decimal = ZERO
    outside_scopes: Decimal = ZERO  # Montreal Protocol gases: reported beside the scopes, not in them

    @property
    def total(self) -> Decimal:
        return dsum((self.scope1, self.scope2_location, self.scope3))

    @property
    def total_market(self) -> Decimal:
        return dsum((self.scope1, self.scope2_market, self.scope3))

    def to_dict(self) -> dict:
        return {"scope1": plain(self.scope1), "scope2_location": plain(self.scope2_location),
                "scope2_market": plain(self.scope2_market), "scope3": plain(self.scope3),
                "outside_scopes": plain(self.outside_scopes), "total": plain(self.total),
                "total_market": plain(self.total_market)}


@dataclass(frozen=True)
class YearReport:
    year: int
    records: int
    totals: Totals
    previous: Totals | None  # the year before, when it has records
    by_ghg_category: dict[str, dict[str, Decimal]]  # category -> {"kgco2e", "kgco2e_market" (Scope 2)}
    by_iso_category: dict[int, Decimal]
    by_facility: list[dict]
    by_month: list[dict]
    quality: dict[str, dict]  # grade -> {"records", "kgco2e"}
    validated_records: int
    validated_kgco2e: Decimal
    compensated_kgco2e: Decimal  # lines already compensated by a meeting certificate
    intensity: dict[str, Decimal | None]
    revenue_currency: str
    closed: bool
    ccer_cap: dict | None
    factor_sets: tuple[str, ...] = field(default=())

    @property
    def neutralisable_kgco2e(self) -> Decimal:
        """What a neutralisation of the year covers: the total less the lines a certificate already compensated."""
        return dsum((self.totals.total, -self.compensated_kgco2e))

    @property
    def yoy_change(self) -> Decimal | None:
        """The total's change on the year before, as a fraction (0.1 is +10%)."""
        if self.previous is None or not self.previous.total:
            return None
        return div(dsum((self.totals.total, -self.previous.total)), self.previous.total)

    @property
    def validated_share(self) -> Decimal | None:
        return div(Decimal(self.validated_records), Decimal(self.records)) if self.records else None

    def to_dict(self) -> dict:
        def opt(value):
            return None if value is None else plain(value)

        return {
            "year": self.year, "records": self.records, "closed": self.closed, "factor_sets": list(self.factor_sets),
            "totals": self.totals.to_dict(), "previous": self.previous.to_dict() if self.previous else None,
            "yoy_change": opt(self.yoy_change),
            "by_ghg_category": [{"category": name, **{k: plain(v) for k, v in kg.items()}}
                                for name, kg in self.by_ghg_category.items()],
            "by_iso_category": [{"category": number, "name": ISO_CATEGORIES[number], "kgco2e": plain(kg)}
                                for number, kg in sorted(self.by_iso_category.items())],
            "by_facility": [{**row, "kgco2e": plain(row["kgco2e"]), "kgco2e_market": plain(row["kgco2e_market"])}
                            for row in self.by_facility],
            "by_month": [{**row, "kgco2e": plain(row["kgco2e"]), "kgco2e_market": plain(row["kgco2e_market"])}
                         for row in self.by_month],
            "quality": [{"grade": grade, "records": q["records"], "kgco2e": plain(q["kgco2e"])}
                        for grade, q in sorted(self.quality.items())],
            "validated_records": self.validated_records, "validated_kgco2e": plain(self.validated_kgco2e),
            "validated_share": opt(self.validated_share), "compensated_kgco2e": plain(self.compensated_kgco2e),
            "neutralisable_kgco2e": plain(self.neutralisable_kgco2e),
            "intensity": {name: opt(value) for name, value in self.intensity.items()},
            "revenue_currency": self.revenue_currency,
            "ccer_cap": None if self.ccer_cap is None else {k: (plain(v) if isinstance(v, Decimal) else v)
                                                            for k, v in self.ccer_cap.items()},
        }


_BY_CATEGORY = """
SELECT scope, ghg_category, iso_category, quality_grade, validated, compensated, factor_set, sum(records),
       {sum}(kgco2e), {sum}(kgco2e_market)
FROM inventory_month_summary
WHERE organisation_id = :organisation_id AND month >= :start AND month < :end
GROUP BY scope, ghg_category, iso_category, quality_grade, validated, compensated, factor_set
"""
_BY_FACILITY_MONTH = """
SELECT facility_id, month, scope, {sum}(kgco2e), {sum}(kgco2e_market)
FROM inventory_month_summary
WHERE organisation_id = :organisation_id AND month >= :start AND month < :end
GROUP BY facility_id, month, scope
"""


def _bounds(organisation_id: int, year: int) -> dict:
    return {"organisation_id": organisation_id, "start": date(year, 1, 1), "end": date(year + 1, 1, 1)}


def _scope_totals(parts: dict[str, list[Decimal]], market: list[Decimal]) -> Totals:
    return Totals(scope1=exact_sum(parts["1"]), scope2_location=exact_sum(parts["2"]),
                  scope2_market=exact_sum(market), scope3=exact_sum(parts["3"]),
                  outside_scopes=exact_sum(parts["outside"]))


def scope_totals(session: Session, organisation_id: int, year: int) -> tuple[Totals, int]:
    """kg by scope of one year and its number of records (one pass)."""
    total = _sum(session)
    rows = session.execute(text(
        f"SELECT scope, sum(records), {total}(kgco2e), {total}(kgco2e_market) FROM inventory_month_summary "  # noqa: S608
        "WHERE organisation_id = :organisation_id AND month >= :start AND month < :end GROUP BY scope"),
        _bounds(organisation_id, year)).all()
    parts: dict[str, list[Decimal]] = defaultdict(list)
    market: list[Decimal] = []
    for scope, _count, kg, kg_market in rows:
        parts[scope].append(_decimal(kg))
        if scope == "2":
            market.append(_decimal(kg_market))
    return _scope_totals(parts, market), sum(row[1] for row in rows)


def year_report(*, session: Session, actor: Actor, year: int) -> YearReport:
    """The organisation's report for `year` (records of another organisation are never read)."""
    actor.require("read")
    reporting_year = periods.get_year(session=session, actor=actor, year=year)
    total = _sum(session)
    bounds = _bounds(actor.organisation_id, year)
    parts: dict[str, list[Decimal]] = defaultdict(list)
    market: list[Decimal] = []
    categories: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    iso: dict[int, list[Decimal]] = defaultdict(list)
    quality: dict[str, dict] = defaultdict(lambda: {"records": 0, "kgco2e": []})
    validated_records, validated_kg, compensated_kg, versions, records = 0, [], [], set(), 0
    for (scope, category, iso_category, grade, validated, compensated, version, count, kg,
         kg_market) in session.execute(text(_BY_CATEGORY.format(sum=total)), bounds):
        kg = _decimal(kg)
        records += count
        versions.add(version)
        parts[scope].append(kg)
        if scope == "2":
            market.append(_decimal(kg_market))
            categories[category]["kgco2e_market"].append(_decimal(kg_market))
        categories[category]["kgco2e"].append(kg)
        if scope != "outside":
            iso[iso_category].append(kg)
            quality[grade]["kgco2e"].append(kg)
            if validated:
                validated_kg.append(kg)
            if compensated:
                compensated_kg.append(kg)
        quality[grade]["records"] += count
        if validated:
            validated_records += count
    totals = _scope_totals(parts, market)
    names = dict(session.exec(select(Facility.id, Facility.name)
                              .where(Facility.organisation_id == actor.organisation_id)).all())
    by_facility: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    by_month: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for facility_id, month, scope, kg, kg_market in session.execute(
            text(_BY_FACILITY_MONTH.format(sum=total)), bounds):
        if scope == "outside":
            continue
        kg = _decimal(kg)
        on_market = _decimal(kg_market) if scope == "2" else kg
        month_key = month.strftime("%Y-%m") if isinstance(month, date) else str(month)[:7]
        for target in (by_facility[facility_id], by_month[month_key]):
            target["kgco2e"].append(kg)
            target["kgco2e_market"].append(on_market)
    previous_totals, previous_records = scope_totals(session, actor.organisation_id, year - 1)
    facilities = list(session.exec(select(Facility).where(Facility.organisation_id == actor.organisation_id)))
    headcount = sum(f.headcount or 0 for f in facilities)
    area = exact_sum(f.floor_area_m2 or ZERO for f in facilities)
    intensity = {
        "per_employee": div(totals.total, Decimal(headcount)) if headcount else None,
        "per_m2": div(totals.total, area) if area else None,
        "per_revenue": div(totals.total, reporting_year.revenue) if reporting_year.revenue else None,
    }
    return YearReport(
        year=year, records=records, totals=totals, previous=previous_totals if previous_records else None,
        by_ghg_category={name: {k: exact_sum(v) for k, v in kg.items()} for name, kg in sorted(categories.items())},
        by_iso_category={number: exact_sum(kg) for number, kg in iso.items()},
        by_facility=[{"facility_id": fid, "facility": names.get(fid, str(fid)), "kgco2e": exact_sum(kg["kgco2e"]),
                      "kgco2e_market": exact_sum(kg["kgco2e_market"])}
                     for fid, kg in sorted(by_facility.items(), key=lambda item: names.get(item[0], ""))],
        by_month=[{"month": month, "kgco2e": exact_sum(kg["kgco2e"]), "kgco2e_market": exact_sum(kg["kgco2e_market"])}
                  for month, kg in sorted(by_month.items())],
        quality={grade: {"records": q["records"], "kgco2e": exact_sum(q["kgco2e"])} for grade, q in quality.items()},
        validated_records=validated_records, validated_kgco2e=exact_sum(validated_kg),
        compensated_kgco2e=exact_sum(compensated_kg), intensity=intensity,
        revenue_currency=reporting_year.revenue_currency or "CNY", closed=reporting_year.closed_at is not None,
        ccer_cap=_ccer_cap(reporting_year, totals), factor_sets=tuple(sorted(versions)),
    )


def _ccer_cap(reporting_year, totals: Totals) -> dict | None:
    """At most 5% of the verified emissions may be offset by CCER for allowance surrender (see CCER_CAP_RULE)."""
    if not reporting_year.in_national_carbon_market:
        return None
    if reporting_year.verified_emissions_t is not None:
        basis_t, basis = reporting_year.verified_emissions_t, "verified_emissions"
    else:
        # No verified figure yet: the inventory's Scope 1 and location-based Scope 2 stand in, and say so.
        basis_t, basis = div(dsum((totals.scope1, totals.scope2_location)), KG_PER_TONNE), "inventory_scope1_2"
    return {"rule": CCER_CAP_RULE, "share": CCER_CAP_SHARE, "basis": basis, "basis_t": basis_t,
            "cap_t": mul(basis_t, CCER_CAP_SHARE)}
