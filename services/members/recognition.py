"""Showing identity and promises (三亮): pioneer posts (党员先锋岗) and yearly commitments (承诺)
with their year-end review."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.api import members as member_api
from services.common.contracts.members import CommitmentReviewed, PioneerPostAssigned
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.members import lookups, models, statuses

# Reviews belong to the year-end appraisal, which starts in the commitment year's December.
REVIEW_OPENS = (12, 1)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# -- pioneer posts --------------------------------------------------------------------------

def post_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.person_id), "org_unit_id": str(row.org_unit_id),
            "title": row.title, "started_on": row.started_on.isoformat(), "ended_on": _iso(row.ended_on)}


def create_pioneer_post(uow: UnitOfWork, tenant_id, member_id, data: member_api.PioneerPostCreate) -> dict:
    person = lookups.active_person(uow.session, tenant_id, member_id)
    if person.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("member_id", "pioneer posts are held by Party members (probationary or full)")
    unit_id = data.org_unit_id or person.org_unit_id
    lookups.open_unit(uow.session, tenant_id, unit_id, "org_unit_id")
    row = uow.session.execute(models.pioneer_posts.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, org_unit_id=unit_id, title=data.title,
        started_on=data.started_on, ended_on=data.ended_on).returning(models.pioneer_posts)).first()
    uow.publish(PioneerPostAssigned(tenant_id=tenant_id, post_id=row.id, member_id=member_id, org_unit_id=unit_id,
                                    title=data.title, started_on=data.started_on, ended_on=data.ended_on))
    return post_dict(row)


def pioneer_post(session, tenant_id, post_id, lock: bool = False):
    p = models.pioneer_posts
    query = select(p).where(p.c.id == post_id, p.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("pioneer post not found")
    return row


def end_pioneer_post(uow: UnitOfWork, tenant_id, post_id, data: member_api.PioneerPostEnd) -> dict:
    post = pioneer_post(uow.session, tenant_id, post_id, lock=True)
    if post.ended_on is not None:
        raise Conflict(f"ended_on: this post already ended on {post.ended_on}",
                       [{"field": "ended_on", "reason": "already ended"}])
    if data.ended_on < post.started_on:
        raise InvalidInput.field("ended_on", f"must not precede started_on {post.started_on}")
    p = models.pioneer_posts
    row = uow.session.execute(p.update().where(p.c.id == post_id).values(ended_on=data.ended_on)
                              .returning(p)).first()
    return post_dict(row)


def member_pioneer_posts(session, tenant_id, member_id) -> list[dict]:
    lookups.person(session, tenant_id, member_id)
    p = models.pioneer_posts
    rows = session.execute(select(p).where(p.c.tenant_id == tenant_id, p.c.person_id == member_id)
                           .order_by(p.c.started_on, p.c.created_at)).all()
    return [post_dict(r) for r in rows]


def unit_pioneer_posts(session, tenant_id, org_unit_id, on: date | None = None) -> list[dict]:
    """Posts held on `on` (default today) in the unit and its subtree, with the holders' names."""
    units = lookups.subtree_ids(session, tenant_id, org_unit_id)
    if not units:
        raise NotFound("org unit not found")
    on = on or date.today()
    p = models.pioneer_posts
    rows = session.execute(
        select(p, models.people.c.name).join(models.people, models.people.c.id == p.c.person_id)
        .where(p.c.tenant_id == tenant_id, p.c.org_unit_id.in_(units), p.c.started_on <= on,
               (p.c.ended_on.is_(None)) | (p.c.ended_on >= on))
        .order_by(p.c.title, models.people.c.name)).all()
    return [{**post_dict(r), "name": r.name} for r in rows]


# -- yearly commitments ---------------------------------------------------------------------

def commitment_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.person_id), "year": row.year, "items": list(row.items),
            "review": None if row.result is None else {
                "result": row.result, "reviewed_on": row.reviewed_on.isoformat(), "comment": row.comment,
                "reviewer_id": str(row.reviewer_id) if row.reviewer_id else None}}


def create_commitment(uow: UnitOfWork, tenant_id, member_id, data: member_api.CommitmentCreate) -> dict:
    lookups.active_person(uow.session, tenant_id, member_id)
    # A commitment is written at the start of its year, at the earliest in the December before.
    if data.year > date.today().year + 1:
        raise InvalidInput.field("year", "commitments are made for this year or the next")
    c = models.commitments
    row = uow.session.execute(
        insert(c).values(id=new_id(), tenant_id=tenant_id, person_id=member_id, year=data.year, items=data.items)
        .on_conflict_do_nothing(constraint="uq_commitments_person_year").returning(c)).first()
    if row is None:
        raise Conflict(f"year: this member already has a commitment for {data.year}",
                       [{"field": "year", "reason": "already exists"}])
    return commitment_dict(row)


def commitment(session, tenant_id, commitment_id, lock: bool = False):
    c = models.commitments
    query = select(c).where(c.c.id == commitment_id, c.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("commitment not found")
    return row


def review_commitment(uow: UnitOfWork, tenant_id, commitment_id, reviewer_id, data: member_api.CommitmentReview) -> dict:
    row = commitment(uow.session, tenant_id, commitment_id, lock=True)
    if reviewer_id is not None and reviewer_id == row.person_id:
        raise Forbidden("a commitment is reviewed by someone other than the member who made it")
    if row.result is not None:
        raise Conflict(f"commitment: already reviewed on {row.reviewed_on}",
                       [{"field": "commitment_id", "reason": "already reviewed"}])
    opens = date(row.year, *REVIEW_OPENS)
    if data.reviewed_on < opens:
        raise InvalidInput.field("reviewed_on", f"the review of {row.year} opens on {opens.isoformat()}")
    if data.reviewed_on > date.today():
        raise InvalidInput.field("reviewed_on", "must not be in the future")
    person = lookups.person(uow.session, tenant_id, row.person_id)
    c = models.commitments
    updated = uow.session.execute(c.update().where(c.c.id == commitment_id).values(
        result=data.result, reviewed_on=data.reviewed_on, comment=data.comment, reviewer_id=reviewer_id)
        .returning(c)).first()
    uow.publish(CommitmentReviewed(tenant_id=tenant_id, commitment_id=commitment_id, member_id=row.person_id,
                                   org_unit_id=person.org_unit_id, year=row.year, result=data.result,
                                   reviewed_on=data.reviewed_on, reviewer_id=reviewer_id))
    return commitment_dict(updated)


def member_commitments(session, tenant_id, member_id) -> list[dict]:
    lookups.person(session, tenant_id, member_id)
    c = models.commitments
    rows = session.execute(select(c).where(c.c.tenant_id == tenant_id, c.c.person_id == member_id)
                           .order_by(c.c.year)).all()
    return [commitment_dict(r) for r in rows]
