"""Issuance: blocks enter with their serial text, every serial once in the whole ledger, statements all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from db import utcnow
from errors import Conflict, ValidationError
from ledger import accounts, issuance
from ledger.invariants import check_invariants
from ledger.models import CreditBlock, CreditIssuance, LogEntry, ProjectType, Registry
from ledger.serials import SerialError
from tests.factories import make_organisation
from tests.ledger_factories import issue_ccer, make_credit_project

VERRA = "12345-1001-1100-VCS-VCU-263-VER-CN-14-1234-01012015-31122015-0"


def test_a_verra_block_is_issued_with_its_text_interval_and_log_entry(session):
    project = make_credit_project(session, registry=Registry.verra, registry_project_id="1234",
                                  project_type=ProjectType.vcs, methodology_id="VM0047")
    pool = accounts.pool_account(session)
    block = issuance.issue(session, project_id=project.id, account_id=pool.id, serial_text=VERRA, quantity=100)
    assert (block.serial_start, block.serial_end, block.quantity, block.vintage) == (1001, 1100, 100, 2015)
    assert (block.serial_namespace, block.serial_text, block.account_id) == ("verra", VERRA, pool.id)
    record = session.get(CreditIssuance, block.issuance_id)
    entry = session.get(LogEntry, record.log_seq)
    assert entry.kind == "issuance"
    assert '"serial_start":1001' in entry.body and '"project":"1234"' in entry.body
    assert check_invariants(session) == []


def test_a_serial_of_another_project_is_refused(session):
    project = make_credit_project(session, registry=Registry.verra, registry_project_id="999",
                                  project_type=ProjectType.vcs)
    with pytest.raises(SerialError) as caught:
        issuance.issue(session, project_id=project.id, account_id=accounts.pool_account(session).id,
                       serial_text=VERRA)
    assert caught.value.code == "serial_project_mismatch"
    assert caught.value.params == {"serial_project": "1234", "project": "999"}


def test_a_wrong_quantity_is_refused_before_anything_is_written(session):
    project = make_credit_project(session)
    pool = accounts.pool_account(session)
    with pytest.raises(SerialError) as caught:
        issuance.issue(session, project_id=project.id, account_id=pool.id, serial_text="x", vintage=2023,
                       serial_start=1, serial_end=1000, quantity=999)
    assert caught.value.code == "serial_quantity_mismatch"
    assert session.exec(select(CreditBlock)).all() == []


def test_an_overlapping_block_is_refused_whoever_holds_the_first(session):
    project = make_credit_project(session)
    organisation_account = accounts.account_of(session, make_organisation(session).id)
    first = issue_ccer(session, project, organisation_account, 1, 100)
    with pytest.raises(Conflict) as caught:
        issue_ccer(session, project, accounts.pool_account(session), 100, 150)
    assert caught.value.code == "serial_overlap"
    assert first.serial_text in caught.value.message
    assert len(session.exec(select(CreditBlock)).all()) == 1
    issue_ccer(session, project, accounts.pool_account(session), 101, 150)  # adjacent is fine
    assert check_invariants(session) == []


def test_verra_numbers_overlap_across_projects_because_vcu_numbering_is_global(session):
    pool = accounts.pool_account(session)
    one = make_credit_project(session, registry=Registry.verra, registry_project_id="1234",
                              project_type=ProjectType.vcs)
    other = make_credit_project(session, registry=Registry.verra, registry_project_id="5678",
                                project_type=ProjectType.vcs)
    issuance.issue(session, project_id=one.id, account_id=pool.id, serial_text=VERRA)
    with pytest.raises(Conflict) as caught:
        issuance.issue(session, project_id=other.id, account_id=pool.id,
                       serial_text="777-1050-1060-VCS-VCU-263-VER-CN-14-5678-01012016-31122016-0")
    assert caught.value.code == "serial_overlap" and VERRA in caught.value.message


def test_ccer_numbers_of_two_projects_do_not_collide(session):
    pool = accounts.pool_account(session)
    issue_ccer(session, make_credit_project(session), pool, 1, 100)
    issue_ccer(session, make_credit_project(session), pool, 1, 100)
    assert len(session.exec(select(CreditBlock)).all()) == 2


def test_the_database_refuses_a_block_whose_quantity_is_not_its_range(session):
    project = make_credit_project(session)
    block = issue_ccer(session, project, accounts.pool_account(session), 1, 1000)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE credit_block SET quantity = 1001 WHERE id = :id"), {"id": block.id})
        session.flush()
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(text(
            "INSERT INTO credit_block (project_id, account_id, registry_name, serial_namespace, serial_start, "
            "serial_end, quantity, vintage, serial_text, is_ex_ante, status, issuance_id, created_at) "
            "VALUES (:p, :a, 'ccer', 'ccer:other', 1, 1000, 999, 2023, 't', false, 'held', :i, :c)"),
            {"p": project.id, "a": block.account_id, "i": block.issuance_id, "c": utcnow().isoformat()})
        session.flush()
    session.rollback()


STATEMENT = """序列号,项目编号,年份,起始序列号,结束序列号,数量
JX-A-1,{project},2023,1,100,100
JX-A-2,{project},2023,101,250,150
"""


def test_a_ccer_statement_with_chinese_headers_imports_every_row_in_one_go(session):
    project = make_credit_project(session)
    pool = accounts.pool_account(session)
    blocks = issuance.import_statement(session, account_id=pool.id, file_name="jx.csv",
                                       text="\ufeff" + STATEMENT.format(project=project.registry_project_id))
    assert [(b.serial_start, b.serial_end, b.serial_text) for b in blocks] == [(1, 100, "JX-A-1"),
                                                                              (101, 250, "JX-A-2")]
    sources = session.exec(select(CreditIssuance.source).order_by(CreditIssuance.id)).all()
    assert sources == ["jx.csv:2", "jx.csv:3"]
    assert check_invariants(session) == []


def test_a_statement_with_bad_rows_names_every_line_and_imports_nothing(session):
    project = make_credit_project(session)
    pool = accounts.pool_account(session)
    issue_ccer(session, project, pool, 900, 950)
    statement = ("serial,project,vintage,start,end,quantity\n"
                 f"ok,{project.registry_project_id},2023,1,100,100\n"
                 f"short,{project.registry_project_id},2023,101,200,99\n"
                 f"clash,{project.registry_project_id},2023,50,60,11\n"
                 f"taken,{project.registry_project_id},2023,940,960,21\n"
                 f"nope,NO-SUCH,2023,1,5,5\n"
                 f"words,{project.registry_project_id},twenty,1,5,5\n")
    with pytest.raises(ValidationError) as caught:
        issuance.import_statement(session, account_id=pool.id, file_name="s.csv", text=statement)
    fields = caught.value.fields
    assert set(fields) == {"s.csv:3", "s.csv:4", "s.csv:5", "s.csv:6", "s.csv:7"}
    assert "99" in fields["s.csv:3"][0]
    assert "overlap line 2" in fields["s.csv:4"][0]
    assert "900–950" in fields["s.csv:5"][0]
    assert "NO-SUCH" in fields["s.csv:6"][0]
    assert "twenty" in fields["s.csv:7"][0]
    assert len(session.exec(select(CreditBlock)).all()) == 1


def test_a_statement_without_a_serial_column_is_refused_on_its_header(session):
    with pytest.raises(ValidationError) as caught:
        issuance.import_statement(session, account_id=accounts.pool_account(session).id, file_name="s.csv",
                                  text="colour,start\nred,1\n")
    assert caught.value.fields == {"s.csv:1": ["unknown column 'colour'", "no serial column (serial / 序列号)"]}


def test_a_statement_of_international_serials_finds_each_rows_project(session):
    make_credit_project(session, registry=Registry.gold_standard, registry_project_id="GS7495",
                        project_type=ProjectType.gold_standard)
    make_credit_project(session, registry=Registry.verra, registry_project_id="VCS1234",
                        project_type=ProjectType.vcs)
    pool = accounts.pool_account(session)
    blocks = issuance.import_statement(session, account_id=pool.id, file_name="intl.csv",
                                       text=f"Serial Number\nGS1-1-KE-GS7495-16-2025-30645-608-30350\n{VERRA}\n")
    assert [(b.serial_namespace, b.quantity) for b in blocks] == [("gold_standard:GS7495", 29743), ("verra", 100)]
