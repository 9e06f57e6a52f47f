"""Demo ledger data: the platform organisation and its admin, demo projects, issued blocks, a sale (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from accounts import service as accounts
from accounts.models import Organisation, Role, User
from ledger.accounts import account_of, pool_account
from ledger.issuance import issue
from ledger.models import CreditBlock, CreditProject, Transfer
from ledger.projects import create_project, find_project
from ledger.schemas import ProjectCreateSchema
from ledger.transfers import transfer

PLATFORM_ADMIN = ("admin@platform.tanzhong.org", "demo-platform-pass", "平台管理员 Platform Admin")
DEMO_SALE_TONNES = 120
DEMO_SALE_PRICE_CNY = Decimal("68.00")
DEMO_SALE_NOTE = "示例销售 Demo sale: 江西省林业碳汇"

# Every name and description says that it is demonstration data (示例 / demo): none of these credits is real.
DEMO_PROJECTS = [
    {
        "project_type": "ccer_afforestation", "registry_name": "ccer", "registry_project_id": "DEMO-CCER-JX-0001",
        "methodology_id": "CCER-14-001-V01", "name_zh": "【示例】江西省赣州市造林碳汇项目",
        "name_en": "[DEMO] Ganzhou, Jiangxi afforestation carbon sink", "country": "CN", "province": "CN-JX",
        "developer": "示例林业发展有限公司 (Demo Forestry Co.)",
        "description_zh": "演示数据，并非真实碳汇：在江西省赣州市荒山上营造的马尾松、木荷混交林，按 CCER-14-001-V01 "
                          "造林碳汇方法学计量。",
        "description_en": "Demonstration data, not real credits: mixed Masson pine and schima plantations on barren "
                          "hills in Ganzhou, Jiangxi, quantified with CCER-14-001-V01 (afforestation).",
        "links": [],
    },
    {
        "project_type": "ccer_bamboo_afforestation", "registry_name": "ccer",
        "registry_project_id": "DEMO-CCER-ZJ-0002", "methodology_id": "AR-CM-005-V01",
        "name_zh": "【示例】浙江省安吉县竹子造林碳汇项目", "name_en": "[DEMO] Anji, Zhejiang bamboo afforestation",
        "country": "CN", "province": "CN-ZJ", "developer": "示例竹业合作社 (Demo Bamboo Cooperative)",
        "description_zh": "演示数据，并非真实碳汇：浙江省安吉县新造毛竹林。",
        "description_en": "Demonstration data, not real credits: new moso bamboo stands in Anji, Zhejiang.",
        "links": [],
    },
    {
        "project_type": "vcs", "programme_project_type": "ARR", "registry_name": "verra",
        "registry_project_id": "2781", "methodology_id": "VM0047",
        "name_zh": "【示例】云南省退化土地再造林（VCS）", "name_en": "[DEMO] Yunnan degraded land reforestation (VCS)",
        "country": "CN", "province": "CN-YN", "developer": "Demo Reforestation Ltd. (示例)",
        "description_zh": "演示数据，并非真实碳汇：Verra VCS 格式的序列号示例。",
        "description_en": "Demonstration data, not real credits: an example of Verra VCS serial numbers.",
        "links": [],
    },
]
# (project's registry id, serial text, vintage, first serial, last serial): CCER keeps the statement's text and
# the interval it states; Verra serials carry their interval.
DEMO_BLOCKS = [
    ("DEMO-CCER-JX-0001", "CCER-DEMO-JX-0001-2021-000000001-000000300", 2021, 1, 300),
    ("DEMO-CCER-JX-0001", "CCER-DEMO-JX-0001-2022-000000301-000000700", 2022, 301, 700),
    ("DEMO-CCER-ZJ-0002", "CCER-DEMO-ZJ-0002-2022-000000001-000000250", 2022, 1, 250),
    ("2781", "16234-980000001-980000500-VCS-VCU-263-VER-CN-14-2781-01012019-31122019-0", None, None, None),
]


def _platform_organisation(session: Session, slug: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        organisation = accounts.create_organisation(session=session, slug=slug, name_zh="碳中平台（示例）",
                                                    name_en="Tanzhong Platform (demo)")
    email, password, name = PLATFORM_ADMIN
    if session.exec(select(User).where(User.email == email)).first() is None:
        accounts.create_user(session=session, email=email, password=password, display_name=name,
                             organisation_id=organisation.id, role=Role.admin)
    return organisation


def seed(*, session: Session, platform_slug: str, customer_organisation_id: int) -> tuple[str, str, Role]:
    """The platform organisation and its admin, the demo projects, blocks in the pool, and a sale to the demo
    organisation; each step is skipped when already done. Returns the platform admin's login."""
    _platform_organisation(session, platform_slug)
    pool = pool_account(session)
    projects: dict[str, CreditProject] = {}
    for values in DEMO_PROJECTS:
        found = find_project(session, values["registry_name"], values["registry_project_id"])
        if found is None:
            found = create_project(session, values={**ProjectCreateSchema().load(values), "is_demo": True})
        projects[values["registry_project_id"]] = found
    for registry_project_id, text, vintage, start, end in DEMO_BLOCKS:
        project = projects[registry_project_id]
        if session.exec(select(CreditBlock.id).where(CreditBlock.serial_text == text)).first() is None:
            issue(session, project_id=project.id, account_id=pool.id, serial_text=text, vintage=vintage,
                  serial_start=start, serial_end=end, source="demo seed")
    customer = account_of(session, customer_organisation_id)
    sold = session.exec(select(Transfer.id).where(Transfer.to_account_id == customer.id,
                                                  Transfer.note == DEMO_SALE_NOTE)).first()
    if sold is None:
        transfer(session, from_account_id=pool.id, to_account_id=customer.id, tonnes=DEMO_SALE_TONNES,
                 price_per_tonne_cny=DEMO_SALE_PRICE_CNY, note=DEMO_SALE_NOTE, policy="prefer_province:CN-JX")
    email, password, _name = PLATFORM_ADMIN
    return email, password, Role.admin
