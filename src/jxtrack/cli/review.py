"""``jxtrack review list|approve|return|reopen`` -- the working group's review (审核) of each
county's monthly report, with the web's rules (``jxtrack.services.review``); declared in
``jxtrack.cli.commands``."""

from __future__ import annotations

from jxtrack.cli.common import acting_user
from jxtrack.cli.database import Database
from jxtrack.domain import clock
from jxtrack.domain import review as rules
from jxtrack.present import outputs
from jxtrack.services import review


def list_reviews(args, db: Database) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    rows = (review.reviews(store, args.period, user) if not args.region
            else [review.review_of(store, args.region, args.period, user)])
    for v in rows:
        print(_line(v))
    return 0


def _step(args, db: Database, step) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    before = review.review_of(store, args.region, args.period, user).word
    after = step(store, user, args.region, args.period, args.reason)
    print(f"{after.region_name} {args.period}：{before} → {after.word}。")
    return 0


def approve(args, db: Database) -> int:
    return _step(args, db, review.approve)


def return_report(args, db: Database) -> int:
    return _step(args, db, review.return_report)


def reopen(args, db: Database) -> int:
    return _step(args, db, review.reopen)


def _line(v: rules.Review) -> str:
    bits = [f"{v.region_name}\t{v.short}"]
    if v.upload_id is not None:
        bits.append(f"上传 #{v.upload_id}")
    d = v.decision
    if d is not None and v.state in (rules.APPROVED, rules.RETURNED):
        bits.append(f"{d.decided_by} {clock.show(d.decided_at)}")
    if v.return_reason:
        bits.append(f"退回原因：{outputs.printable(v.return_reason)}")
    return "\t".join(bits)
