"""Test data builders for the ledger: projects and issued blocks, through the ledger's services."""

from __future__ import annotations

import itertools

from ledger import issuance, projects
from ledger.models import ProjectType, Registry

_counter = itertools.count(1)


def make_credit_project(session, *, registry: Registry = Registry.ccer, **overrides):
    n = next(_counter)
    project_type = {Registry.ccer: ProjectType.ccer_afforestation, Registry.verra: ProjectType.vcs,
                    Registry.gold_standard: ProjectType.gold_standard}.get(registry, ProjectType.vcs)
    values = {"project_type": project_type, "registry_name": registry, "registry_project_id": f"TEST-{n}",
              "methodology_id": "CCER-14-001-V01", "name_zh": f"测试碳汇项目{n}", "name_en": f"Test sink {n}",
              "province": "CN-JX", "developer": "测试林场"}
    values.update(overrides)
    return projects.create_project(session, values=values)


def issue_ccer(session, project, account, start: int, end: int, *, vintage: int = 2023, is_ex_ante: bool = False):
    """A CCER block start–end of `project` in `account`."""
    return issuance.issue(session, project_id=project.id, account_id=account.id,
                          serial_text=f"{project.registry_project_id}-{vintage}-{start:06d}-{end:06d}",
                          vintage=vintage, serial_start=start, serial_end=end, is_ex_ante=is_ex_ante)
