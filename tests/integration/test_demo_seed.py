"""`flask demo seed`: the demo organisation, users and meeting, created once however often it runs."""

from __future__ import annotations

from sqlmodel import func, select

from meetings.models import AttendeeResponse, Event


def test_the_demo_seed_runs_twice_without_duplicating_anything(app, session):
    runner = app.test_cli_runner()
    first, second = runner.invoke(args=["demo", "seed"]), runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "admin@demo.tanzhong.org" in second.output and "/m/" in second.output
    assert session.exec(select(func.count()).select_from(Event)).one() == 1
    assert session.exec(select(func.count()).select_from(AttendeeResponse)).one() == 4


def test_the_demo_seed_fills_the_ledger_once_with_demo_projects_a_pool_and_a_sale(app, session):
    from accounts.models import Organisation
    from ledger import queries
    from ledger.models import CreditBlock, CreditProject, LogEntry, Transfer

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    counts = [session.exec(select(func.count()).select_from(table)).one()
              for table in (CreditProject, CreditBlock, Transfer, LogEntry)]
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "admin@platform.tanzhong.org" in second.output
    assert [session.exec(select(func.count()).select_from(table)).one()
            for table in (CreditProject, CreditBlock, Transfer, LogEntry)] == counts
    projects = session.exec(select(CreditProject).order_by(CreditProject.id)).all()
    assert len(projects) == 3 and all(p.is_demo for p in projects)
    assert all("示例" in p.name_zh and "演示" in p.description_zh and "DEMO" in p.name_en for p in projects)
    assert {p.project_type.value for p in projects} == {"ccer_afforestation", "ccer_bamboo_afforestation", "vcs"}
    jiangxi = next(p for p in projects if p.project_type.value == "ccer_afforestation")
    assert jiangxi.province == "CN-JX" and jiangxi.methodology_id == "CCER-14-001-V01"
    platform = session.exec(select(Organisation).where(Organisation.slug == "platform")).one()
    assert queries.is_platform_admin(session, user_id=_user_id(session, "admin@platform.tanzhong.org"),
                                     slug=platform.slug)
    demo_org = session.exec(select(Organisation).where(Organisation.slug == "demo")).one()
    held = queries.holdings_of(session, account_id=queries.account_id_of(session, organisation_id=demo_org.id))
    assert sum(h.tonnes for h in held) == 120
    assert {h.project.id for h in held} == {jiangxi.id}  # bought from Jiangxi, as the seed's 零碳会议室 model says
    sale = session.exec(select(Transfer)).one()
    assert sale.quantity == 120 and str(sale.price_per_tonne_cny) in ("68.00", "68")
    pool = queries.holdings_of(session, account_id=queries.pool_account_id(session))
    assert sum(h.tonnes for h in pool) == 300 + 400 + 250 + 500 - 120


def _user_id(session, email: str) -> int:
    from accounts.models import User

    return session.exec(select(User.id).where(User.email == email)).one()
