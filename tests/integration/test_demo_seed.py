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
