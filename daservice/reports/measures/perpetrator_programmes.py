"""Availability of and participation in perpetrator programmes: places and waiting lists now,
placements by source, starts, completion and drop-out with their reasons, the time from referral
to start, risk at start and at exit, and follow-up outcomes.

Counted in SQL over the placements' plain columns (stage, coded reason, dates, risk level): no
one's name, no worker's words. The agency filter is the programme's provider.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from ...extensions import db
from ...perpetrators.models import (
    HOLDS_A_PLACE,
    REASON_LABELS,
    SOURCE_LABELS,
    FollowUp,
    Placement,
    Programme,
    ProgrammeStatus,
    Reason,
    RiskLevel,
    RiskReview,
    Source,
    Stage,
)
from ..disclosure import HIDDEN, disclose, total_figure
from ..sections import ReportQuery, Section
from ..tables import (
    Average,
    Cell,
    Chart,
    Column,
    Count,
    Figure,
    Rate,
    Row,
    SectionContent,
    Table,
    Words,
)

ENDINGS = (Stage.COMPLETED, Stage.DROPPED_OUT, Stage.EXCLUDED)
WAITING = (Stage.ASSESSED, Stage.WAITING_LIST)


def _programmes(query: ReportQuery) -> list[Programme]:
    where = Programme.agency_id == query.agency_id if query.agency_id else sa.true()
    return list(db.session.scalars(sa.select(Programme).where(where).order_by(Programme.name)))


def _scoped(query: ReportQuery) -> Any:
    """Placements on the chosen provider's programmes (all, for the partnership)."""
    if query.agency_id is None:
        return sa.true()
    return Placement.programme_id.in_(
        sa.select(Programme.id).where(Programme.agency_id == query.agency_id)
    )


def _between(column: Any, query: ReportQuery) -> Any:
    start, end = query.period.utc_bounds()
    return sa.and_(column >= start, column < end)


def places(query: ReportQuery, programmes: list[Programme]) -> Table:
    """Now, whatever the period: the board asks how many places there are and who waits."""
    counts: Counter[tuple[Any, Stage]] = Counter()
    for programme_id, stage, n in db.session.execute(
        sa.select(Placement.programme_id, Placement.stage, sa.func.count())
        .where(_scoped(query), Placement.stage.in_((*HOLDS_A_PLACE, *WAITING)))
        .group_by(Placement.programme_id, Placement.stage)
    ):
        counts[(programme_id, stage)] += n
    rows = []
    for p in programmes:
        if p.status is ProgrammeStatus.CLOSED:
            continue
        taken = sum(counts[(p.id, s)] for s in HOLDS_A_PLACE)
        waiting = sum(counts[(p.id, s)] for s in WAITING)
        rows.append(
            Row(
                p.name,
                [Words(f"{p.capacity:,}"), Count(taken), Count(waiting)],
                key=str(p.id),
            )
        )
    return Table(
        key="programme-places",
        title="Places and waiting lists now",
        row_heading="Programme",
        columns=[
            Column("Places", "places"),
            Column("Places taken", "taken"),
            Column("Assessed and waiting to start", "waiting"),
        ],
        rows=rows,
        total_row=True,
        description="Each open or paused programme's places, the men attending or suspended, "
        "and those assessed as suitable who wait to start, when the report was made.",
    )


def by_source(query: ReportQuery) -> Table:
    found: dict[Source, int] = {
        source: n
        for source, n in db.session.execute(
            sa.select(Placement.source, sa.func.count())
            .where(_scoped(query), _between(Placement.created_at, query))
            .group_by(Placement.source)
        )
    }
    return Table(
        key="placements-by-source",
        title="Referrals to programmes by source",
        row_heading="Referred by",
        columns=[Column("Placements", "placements")],
        rows=[Row(SOURCE_LABELS[s], [Count(found.get(s, 0))], key=s.value) for s in Source],
        total_row=True,
        description="Placements made in the period, by who referred the man.",
    )


def endings(query: ReportQuery) -> tuple[Table, int, int, int]:
    """Placements that ended in the period after starting, by ending and reason; with the
    completed, the dropped out and all of them (for the rates)."""
    found = Counter(
        {
            (stage, reason): n
            for stage, reason, n in db.session.execute(
                sa.select(Placement.stage, Placement.reason, sa.func.count())
                .where(
                    _scoped(query),
                    Placement.stage.in_(ENDINGS),
                    Placement.started_at.is_not(None),
                    _between(Placement.ended_at, query),
                )
                .group_by(Placement.stage, Placement.reason)
            )
        }
    )
    rows = [Row("Completed", [Count(found[(Stage.COMPLETED, None)])], key="completed")]
    for stage in (Stage.DROPPED_OUT, Stage.EXCLUDED):
        # A row for each reason recorded (every dropped-out or excluded placement has one).
        reasons = [r for r in Reason if found[(stage, r)]]
        if not reasons:
            rows.append(Row(stage.label, [Count(0)], key=stage.value))
        for reason in reasons:
            rows.append(
                Row(
                    f"{stage.label}: {REASON_LABELS[reason].lower()}",
                    [Count(found[(stage, reason)])],
                    key=f"{stage.value}:{reason.value}",
                )
            )
    completed = sum(n for (s, _r), n in found.items() if s is Stage.COMPLETED)
    dropped = sum(n for (s, _r), n in found.items() if s is Stage.DROPPED_OUT)
    table = Table(
        key="placement-endings",
        title="How placements ended",
        row_heading="Ending",
        columns=[Column("Placements", "placements")],
        rows=rows,
        total_row=True,
        description="Placements of men who had started that ended in the period: completed, "
        "dropped out or excluded, with the reason recorded.",
    )
    return table, completed, dropped, sum(found.values())


def starts(query: ReportQuery) -> tuple[int, Average]:
    """Starts in the period, and the mean days from referral to start."""
    rows = db.session.execute(
        sa.select(Placement.created_at, Placement.started_at).where(
            _scoped(query), _between(Placement.started_at, query)
        )
    ).all()
    days = [(started - made).total_seconds() / 86400 for made, started in rows]
    mean = sum(days) / len(days) if days else None
    return len(rows), Average(mean, len(days), unit="days", unit_one="day")


def risk_at_start_and_exit(query: ReportQuery) -> Table:
    """For placements that ended in the period after starting: the level of the review nearest
    the start (the latest on or before the day he started, else his first), and of his last
    review. Ranked and counted in SQL. The day he started is the UTC day of ``started_at`` (no
    database here knows UK time): a start between midnight and 1am in summer counts as the day
    before."""
    ended = (
        sa.select(Placement.id, Placement.started_at)
        .where(
            _scoped(query),
            Placement.stage.in_(ENDINGS),
            Placement.started_at.is_not(None),
            _between(Placement.ended_at, query),
        )
        .subquery()
    )
    before = RiskReview.reviewed_on <= sa.func.date(ended.c.started_at)
    ranked = (
        sa.select(
            RiskReview.level,
            sa.func.row_number()
            .over(
                partition_by=RiskReview.placement_id,
                order_by=(
                    sa.case((before, 0), else_=1),
                    sa.case((before, RiskReview.reviewed_on)).desc(),
                    RiskReview.reviewed_on,
                    RiskReview.created_at,
                ),
            )
            .label("at_start"),
            sa.func.row_number()
            .over(
                partition_by=RiskReview.placement_id,
                order_by=(RiskReview.reviewed_on.desc(), RiskReview.created_at.desc()),
            )
            .label("at_exit"),
        )
        .join(ended, ended.c.id == RiskReview.placement_id)
        .subquery()
    )
    at_start: Counter[Any] = Counter()
    at_exit: Counter[Any] = Counter()
    for level, first, last in db.session.execute(
        sa.select(
            ranked.c.level,
            sa.func.count().filter(ranked.c.at_start == 1),
            sa.func.count().filter(ranked.c.at_exit == 1),
        ).group_by(ranked.c.level)
    ):
        at_start[RiskLevel(level)], at_exit[RiskLevel(level)] = first, last
    men = db.session.scalar(sa.select(sa.func.count()).select_from(ended)) or 0
    at_start[None] = men - sum(at_start.values())  # no review at all
    at_exit[None] = men - sum(at_exit.values())
    levels: list[RiskLevel | None] = [*RiskLevel, None]
    columns = [_protected([found[level] for level in levels]) for found in (at_start, at_exit)]
    return Table(
        key="risk-at-start-and-exit",
        title="Risk at start and at exit",
        row_heading="Risk level",
        columns=[Column("At start", "at_start"), Column("At exit", "at_exit")],
        rows=[
            Row(
                level.label if level else "No risk review",
                [columns[0][i], columns[1][i]],
                key=level.value if level else "none",
            )
            for i, level in enumerate(levels)
        ],
        description="Men whose placement ended in the period after starting: the level of the "
        "risk review nearest their start, and of their last review. Each column adds up to the "
        "placements that ended (How placements ended).",
    )


def _protected(counts: list[int]) -> list[Cell]:
    """A column whose total is published elsewhere (the endings table's): if any of its counts
    is 1 to 4, every count but the zeros is hidden, as no "<5" could be told apart from the
    others by taking them from the total."""
    if any(0 < n < 5 for n in counts):
        return [Count(0) if n == 0 else Words(HIDDEN) for n in counts]
    return [Count(n) for n in counts]


def follow_ups(query: ReportQuery) -> Table:
    rows = []
    for months in (6, 12):
        recorded = sa.and_(
            FollowUp.months == months,
            _between(FollowUp.recorded_at, query),
            FollowUp.placement_id.in_(sa.select(Placement.id).where(_scoped(query)))
            if query.agency_id
            else sa.true(),
        )
        n, incidents, referred, marac = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(FollowUp.further_incidents > 0),
                sa.func.count().filter(FollowUp.new_referrals > 0),
                sa.func.count().filter(FollowUp.new_marac_referrals > 0),
            ).where(recorded)
        ).one()
        # Named in a Marac referral is a part of named in a referral: where the difference
        # is 1 to 4, the two rates would give it away, so neither is shown.
        nested: list[Cell] = [Rate(referred, n), Rate(marac, n)]
        if 0 < referred - marac < 5:
            nested = [Words(HIDDEN), Words(HIDDEN)]
        rows.append(
            Row(
                f"{months}-month follow-up",
                [Count(n), Rate(n - incidents, n), *nested],
                key=str(months),
            )
        )
    return Table(
        key="programme-follow-ups",
        title="Follow-up outcomes",
        row_heading="Follow-up",
        columns=[
            Column("Follow-ups recorded", "recorded"),
            Column("No further incident reported", "no_incident"),
            Column("Named in a new referral", "new_referral"),
            Column("Named in a new Marac referral", "new_marac"),
        ],
        rows=rows,
        description="Follow-ups recorded in the period, 6 and 12 months after a placement ended: "
        "further incidents reported to the programme, and new referrals to this partnership "
        "naming the man (found through the person index).",
    )


def build(query: ReportQuery) -> SectionContent | None:
    programmes = _programmes(query)
    if not programmes:
        return None
    place_table = places(query, programmes)
    source_table = by_source(query)
    ending_table, completed, dropped, ended = endings(query)
    started, to_start = starts(query)
    # The rates with the endings' total would give back a count the table hides.
    rates: list[Cell] = [Rate(completed, ended), Rate(dropped, ended)]
    if disclose(ending_table).has_hidden:
        rates = [Words(HIDDEN), Words(HIDDEN)]
    now = (
        [
            total_figure("Placements taken now", place_table, column=1),
            total_figure("Waiting to start now", place_table, column=2),
        ]
        if place_table.rows
        else [Figure("Placements taken now", Count(0)), Figure("Waiting to start now", Count(0))]
    )
    return SectionContent(
        figures=[
            *now,
            total_figure("Referred to a programme", source_table, column=0),
            Figure("Started a programme", Count(started)),
            Figure(
                "Completion rate",
                rates[0],
                hint="Of men who started and whose placement ended in the period",
            ),
            Figure("Drop-out rate", rates[1]),
            Figure("Time from referral to start", to_start, hint="Mean, for starts in the period"),
        ],
        tables=[
            place_table,
            source_table,
            ending_table,
            risk_at_start_and_exit(query),
            follow_ups(query),
        ],
        charts=[
            Chart("Referrals to programmes by source", source_table.key, column=0),
            Chart("How placements ended", ending_table.key, column=0),
        ],
        notes=[
            "Places and waiting lists are as they were when the report was made; the other "
            "figures count the period. The agency filter is the programme's provider.",
            "Completion and drop-out rates are of men who started a programme: a man assessed "
            "as not suitable, or who left before starting, is in neither.",
        ],
    )


SECTION = Section(
    key="perpetrator-programmes",
    title="Availability of and participation in perpetrator programmes",
    measure=(
        "Increase the availability of and participation in perpetrator programmes, changing "
        "the behaviours of those who do harm and reducing reoffending"
    ),
    order=40,
    build=build,
    not_recorded=(
        "No perpetrator programme is recorded in daservice for this agency yet. Places and "
        "waiting lists, referrals, starts, completion and drop-out, and follow-up outcomes will "
        "appear here once one is."
    ),
)
