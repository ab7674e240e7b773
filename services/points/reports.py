"""A branch's reports: the month (points by dimension, duties done, the close) and the yearly
assessment (年度评议), as JSON and as XLSX sheets with Chinese headers."""
from __future__ import annotations

import base64
from datetime import date

from sqlalchemy import and_, select

from services.common import roster
from services.common.contracts import FOUR_DUTIES
from services.common.errors import NotFound
from services.common.exports import xlsx_workbook
from services.points import models, rules
from services.points.month_close import close_members, get_close, kinds_done
from services.points.read_model import tree
from services.points.rule_sets import resolve

GRADE_LABELS = {"excellent": "优秀", "qualified": "合格", "basically_qualified": "基本合格", "unqualified": "不合格"}


def monthly_report(session, tenant_id, org_unit_id, period: str) -> dict:
    """A branch's month: each member's points by dimension, duties done, and the close if any."""
    names, bal = models.members_view, models.balances
    ids = [m for m, _ in close_members(session, tenant_id, org_unit_id, period)]
    if not ids:
        raise NotFound("no members known in this org unit")
    listed = session.execute(select(names.c.member_id, names.c.name).where(
        names.c.member_id.in_(ids)).order_by(names.c.name, names.c.member_id)).all()
    points: dict = {}
    for member_id, dimension, value in session.execute(select(bal.c.member_id, bal.c.dimension, bal.c.points).where(
            bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.member_id.in_(ids))):
        points.setdefault(member_id, {})[dimension] = int(value)
    done = kinds_done(session, tenant_id, period, ids, FOUR_DUTIES)
    try:
        close = get_close(session, tenant_id, org_unit_id, period)
    except NotFound:
        close = None
    members = []
    for member_id, name in listed:
        mine = points.get(member_id, {})
        members.append({"member_id": str(member_id), "name": name,
                        **{d: mine.get(d, 0) for d in rules.DIMENSIONS}, "total": mine.get("total", 0),
                        "duties_done": [k for k in FOUR_DUTIES if k in done.get(member_id, set())]})
    return {"org_unit_id": str(org_unit_id), "period": period, "closed": close, "members": members}


def assessment(session, tenant_id, org_unit_id, year: int) -> dict:
    rs = resolve(session, tenant_id, org_unit_id, date(year, 12, 31))
    names, bal = models.members_view, models.balances
    # The members of the branch and its groups who are Party members at the year's end.
    units = tree(session, tenant_id).closing_units(org_unit_id)
    rows = session.execute(select(names.c.member_id, names.c.name, bal.c.points).outerjoin(bal, and_(
        bal.c.member_id == names.c.member_id, bal.c.tenant_id == names.c.tenant_id,
        bal.c.period == f"{year:04d}", bal.c.dimension == "total")).where(
        names.c.tenant_id == tenant_id, names.c.org_unit_id.in_(units),
        roster.counted_on(names, date(year, 12, 31))).order_by(names.c.name, names.c.member_id)).all()
    if not rows:
        raise NotFound("no members known in this org unit")
    base = rs.settings["yearly_base"]
    members = [{"member_id": str(r.member_id), "name": r.name, "points": int(r.points or 0),
                "score": base + int(r.points or 0), "grade": rs.grade(base + int(r.points or 0))} for r in rows]
    return {"org_unit_id": str(org_unit_id), "year": year, "yearly_base": base, "thresholds": rs.settings["grades"],
            "rule_set_version": rs.version, "members": members}


def monthly_report_rows(report: dict) -> tuple[list[str], list[list]]:
    header = ["姓名", "能力", "服务", "业绩", "合计", "四个一完成"]
    return header, [[m["name"], m["ability"], m["service"], m["results"], m["total"],
                     f"{len(m['duties_done'])}/4"] for m in report["members"]]


def assessment_rows(report: dict) -> tuple[list[str], list[list]]:
    header = ["姓名", "年度积分", "基础分", "总分", "评议等次"]
    return header, [[m["name"], m["points"], report["yearly_base"], m["score"], GRADE_LABELS[m["grade"]]]
                    for m in report["members"]]


def monthly_report_xlsx(report: dict) -> str:
    """The month's sheet, as base64 (RPC answers are JSON)."""
    header, rows = monthly_report_rows(report)
    return base64.b64encode(xlsx_workbook(f"{report['period']} 月度积分", header, rows)).decode()


def assessment_xlsx(report: dict) -> str:
    """The year's assessment sheet, as base64 (RPC answers are JSON)."""
    header, rows = assessment_rows(report)
    return base64.b64encode(xlsx_workbook(f"{report['year']} 年度评议", header, rows)).decode()
