"""Use cases: register a sink estimate's expected credits as ex-ante blocks, and replace them by ex-post blocks.

The estimate's net tonnes (after the uncertainty discount and the risk buffer) are spread over the crediting
years as the cumulative removals grow, in whole tonnes rounded down, so the blocks add up to the estimate's
whole tonnes; crediting year 1 is the vintage `first_year`. The estimator's inputs, the sink library's version
and hash and the figures are kept on the registration, and every issuance's source names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR

from sqlmodel import Session, select

from calculators.sinks import SinkEstimate
from db import utcnow
from errors import Conflict, NotFound, ValidationError
from ledger.ex_ante import ExPostLine, Replacement, held_ex_ante_blocks, issue_expected, replace_ex_ante
from ledger.models import CreditBlock
from ledger.projects import get_project
from ledger.serials import MAX_VINTAGE, MIN_VINTAGE
from sinks import estimates
from sinks.models import ExAnteRegistration


def tonnes_by_year(result: SinkEstimate) -> list[int]:
    """Whole expected tonnes per crediting year: floor(cumulative net) minus the year before's (sum = net_credits)."""
    if result.gross_t <= 0 or result.net_t <= 0:
        return [0 for _ in result.cumulative_t]
    share = result.net_t / result.gross_t
    tonnes, before = [], 0
    for cumulative in result.cumulative_t:
        so_far = int((cumulative * share).to_integral_value(rounding=ROUND_FLOOR))
        so_far = min(so_far, result.net_credits)
        tonnes.append(max(so_far - before, 0))
        before = max(before, so_far)
    tonnes[-1] += result.net_credits - before
    return tonnes


@dataclass(frozen=True)
class Plan:
    """What a registration would write: the estimate and the tonnes of each vintage."""

    result: SinkEstimate
    first_year: int
    by_vintage: dict[int, int]

    @property
    def tonnes(self) -> int:
        return sum(self.by_vintage.values())


def plan(request: Mapping, *, first_year: int) -> Plan:
    """The estimate of `request` (loaded by SinkEstimateRequestSchema) as ex-ante tonnes per vintage."""
    result = estimates.estimate(request)
    years = tonnes_by_year(result)
    last = first_year + len(years) - 1
    if first_year < MIN_VINTAGE or last > MAX_VINTAGE:
        raise ValidationError(f"first_year {first_year}: the vintages must lie between {MIN_VINTAGE} and {MAX_VINTAGE}",
                              fields={"first_year": [f"{MIN_VINTAGE}–{MAX_VINTAGE - len(years) + 1}"]})
    by_vintage = {first_year + index: t for index, t in enumerate(years) if t > 0}
    if not by_vintage:
        raise ValidationError("the estimate expects no whole tonne: nothing to register",
                              fields={"net_credits": ["0 whole tonnes"]}, code="nothing_expected")
    return Plan(result, first_year, by_vintage)


def _estimate_record(request: Mapping, raw_request: Mapping, result: SinkEstimate) -> dict:
    return {"request": {str(k): v for k, v in raw_request.items()},
            "library_version": result.library_version, "library_hash": result.library_hash,
            "gross_t_co2": str(result.gross_t), "net_t_co2": str(result.net_t), "net_credits": result.net_credits,
            "uncertainty_discount_pct": str(request["uncertainty_discount_pct"]),
            "risk_buffer_pct": str(request["risk_buffer_pct"]),
            "cumulative_t_co2": [str(v) for v in result.cumulative_t]}


def register_estimate(session: Session, *, project_id: int, first_year: int, request: Mapping,
                      raw_request: Mapping, recorded_by_id: int | None = None) -> ExAnteRegistration:
    """Register the estimate's expected credits as ex-ante blocks of the project, with the estimate kept."""
    get_project(session, project_id)
    planned = plan(request, first_year=first_year)
    made: dict[str, ExAnteRegistration] = {}

    def record(session: Session) -> str:
        # A new row on every attempt: run_ledger_transaction may run this again after a rollback.
        made["row"] = ExAnteRegistration(project_id=project_id, first_year=first_year,
                                         estimate=_estimate_record(request, raw_request, planned.result),
                                         expected_tonnes=planned.tonnes, recorded_by_id=recorded_by_id)
        session.add(made["row"])
        session.flush()
        return f"sink estimate #{made['row'].id}"

    def link(session: Session, blocks: list[CreditBlock]) -> None:
        made["row"].issuance_ids = [block.issuance_id for block in blocks]
        session.add(made["row"])
        session.flush()

    issue_expected(session, project_id=project_id, tonnes_by_vintage=planned.by_vintage, source=record,
                   recorded_by_id=recorded_by_id, after=link)
    registration = made["row"]
    return registration


def get_registration(session: Session, registration_id: int) -> ExAnteRegistration:
    found = session.get(ExAnteRegistration, registration_id)
    if found is None:
        raise NotFound(f"no ex-ante registration {registration_id}")
    return found


def list_registrations(session: Session) -> list[ExAnteRegistration]:
    return list(session.exec(select(ExAnteRegistration).order_by(ExAnteRegistration.id.desc())).all())


def ex_ante_blocks(session: Session, registration: ExAnteRegistration) -> list[CreditBlock]:
    """Every live block descended from the registration's issuances (held, or invalidated once replaced)."""
    if not registration.issuance_ids:
        return []
    return list(session.exec(select(CreditBlock).where(
        CreditBlock.issuance_id.in_(registration.issuance_ids), CreditBlock.status != "split")
        .order_by(CreditBlock.serial_start)).all())


def replace_registration(session: Session, *, registration_id: int, ex_post: Sequence[ExPostLine], reason: str = "",
                         recorded_by_id: int | None = None) -> Replacement:
    """Replace every ex-ante block of the registration still held in the pool by the ex-post blocks given."""
    registration = get_registration(session, registration_id)
    if registration.replaced_at is not None:
        raise Conflict(f"registration {registration_id} was replaced already", code="already_replaced",
                       fields={"registration": ["already replaced"]})
    held = held_ex_ante_blocks(session, issuance_ids=registration.issuance_ids)

    def mark(session: Session, replacement: Replacement) -> None:
        found = session.get(ExAnteRegistration, registration_id)
        found.replaced_at = utcnow()
        found.replacement_log_seq = replacement.log_seq
        session.add(found)

    return replace_ex_ante(session, project_id=registration.project_id, block_ids=[b.id for b in held],
                           ex_post=ex_post, reason=reason or f"sink estimate #{registration_id} replaced by the "
                           "registry's ex-post issuance", recorded_by_id=recorded_by_id, after=mark)
