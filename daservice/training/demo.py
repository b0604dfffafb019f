"""The demo training programme (``flask demo load``): the Redbridge strategy 2022 to 2027 with its
targets, staff, sites, past and upcoming runs, registers, certificates and evaluations.

Everything is invented (``demo_data``) and made by a seeded generator, in one transaction. Dates
are counted back from today, so the plan is always part-way through and some certificates always
expire soon. Statuses move with ``Enrolment.move_to`` (the lifecycle's transitions) and each move
has its history row, dated when it happened rather than today. The completion rule and the
certificate are applied in memory (see ``_Builder._complete``): the tests hold every demo
enrolment to ``completion.outstanding`` and every certificate to ``certificates.expiry_for``, and
each site's safe-space history is worked out from its staff's certificates, never written by hand.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app

from .. import audit
from ..accounts.models import Agency, User
from ..audit import AuditAction
from ..extensions import db
from ..referrals.sla import is_working_day
from ..security.tokens import CERTIFICATE_CODE, hash_token, new_token
from ..uk_time import uk_today
from . import certificates, demo_history, demo_plan, evaluation_items
from .demo_data import (
    COMMENTS,
    COURSES,
    FIRST_NAMES,
    KEENNESS,
    LAST_NAMES,
    PLAN_NAME,
    REVOKED_REASONS,
    SITES,
    STAFF,
    TRAINERS,
    VENUES,
    DemoCourse,
    DemoSite,
)
from .demo_plan import PLAN_STARTS_ON
from .demo_plan import at as _at
from .models import (
    AttendanceMark,
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationKind,
    Level,
    Mark,
    RunStatus,
    Site,
    SiteKind,
    Trainee,
    TrainingPlan,
    TrainingSession,
)

S = EnrolmentStatus
# The question bank's item keys (the summaries pair answers by these, so they must be the bank's
# own): every confidence item before and after, and the reaction items after.
CONFIDENCE_ITEMS = tuple(item.key for item in evaluation_items.CONFIDENCE_ITEMS)
REACTION_ITEMS = tuple(item.key for item in evaluation_items.REACTION_ITEMS)
# Demo users who are also on the staff lists (their trainee record is linked to the account).
TRAINEE_USERS = ("referrer", "idva", "programme", "traininglead")
# Their training, as (course key, how many runs ago): the referrer's practitioner certificate
# expires within weeks and her awareness one has expired.
USER_TRAINING = {
    "referrer": (("awareness", 10), ("responding", 6)),
    "idva": (("responding", 5), ("dash", 2)),
    "programme": (("awareness", 2),),
    "traininglead": (("awareness", 4), ("responding", 3)),
}
# Which of an agency's teams staff a kind of site.
SITE_TEAMS = {SiteKind.PHARMACY: "pharmacy", SiteKind.GP_SURGERY: "GP", SiteKind.LIBRARY: "Librar"}


def load(agencies: Mapping[str, Agency], users: Mapping[str, User]) -> bool:
    """Create the demo programme in one transaction unless it exists; True if it was created.
    ``agencies`` by code; ``users`` by the local part of their demo email."""
    if db.session.scalar(sa.select(TrainingPlan.id).where(TrainingPlan.name == PLAN_NAME)):
        return False
    _Builder(agencies, users).build()
    db.session.commit()
    return True


def _working_day(day: date) -> date:
    """The day, or the next working day (no courses at weekends or on bank holidays)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@dataclass
class _Run:
    course: DemoCourse
    model: CourseRun
    ago: int  # how many runs back (0: upcoming or the one in the last week)
    sessions: list[TrainingSession]
    forced: list[Trainee] = field(default_factory=list)


class _Builder:
    def __init__(self, agencies: Mapping[str, Agency], users: Mapping[str, User]) -> None:
        self.agencies, self.users = agencies, users
        self.rng = random.Random(20220401)  # noqa: S311 (made-up data, not secrets)
        self.today = uk_today()
        self.now = datetime.now(UTC)
        self.coordinator = users["training"]
        self.courses: dict[str, Course] = {}
        self.staff: dict[str, list[Trainee]] = {}
        self.site_staff: dict[Trainee, Site] = {}
        self.left: dict[Trainee, datetime] = {}
        self.runs: dict[tuple[str, int], _Run] = {}
        # (trainee, course key) -> the day her latest certificate for it expires.
        self.holds: dict[tuple[Trainee, str], date] = {}
        self.certificates: list[tuple[Certificate, Enrolment, datetime]] = []
        # Rows naming an enrolment by id only (no relationship to order the flush by): added once
        # all the enrolments are in (one flush).
        self.pending: list[object] = []

    def build(self) -> None:
        self.courses = demo_plan.make(self.agencies)
        self._trainees()
        self._sites()
        self._schedule()
        for run in sorted(self.runs.values(), key=lambda r: r.model.starts_on):
            self._fill(run)
        self._revocations()
        self._add_pending()
        self._issued()
        made = [(c, e.trainee, done) for c, e, done in self.certificates]
        demo_history.refresher_reminders(made, self.courses.values(), self.today)
        demo_history.safe_spaces(made, self.site_staff, self.left, self.now)
        demo_plan.fit_targets([c for c, _, _ in self.certificates], self.today)
        demo_plan.set_safe_space_targets(self.today)

    # --- Staff and sites -----------------------------------------------------------------------

    def _trainees(self) -> None:
        emails: set[str] = set()
        joined = _at(PLAN_STARTS_ON, "09:00")
        for code, (count, teams) in STAFF.items():
            agency = self.agencies[code]
            people = self.staff[code] = []
            for local in TRAINEE_USERS:
                user = self.users[local]
                if user.agency_id == agency.id:
                    team, role = teams[0]
                    people.append(
                        Trainee(
                            agency_id=agency.id,
                            name=user.display_name,
                            work_email=user.email,
                            team=team,
                            job_role=role,
                            user_id=user.id,
                            created_at=joined,
                        )
                    )
            while len(people) < count:
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                email = f"{first}.{last}@{code}.demo.daservice.invalid".lower()
                if email in emails:
                    continue
                emails.add(email)
                team, role = self.rng.choice(teams)
                people.append(
                    Trainee(
                        agency_id=agency.id,
                        name=f"{first} {last}",
                        work_email=email,
                        team=team,
                        job_role=role,
                        created_at=joined + timedelta(days=self.rng.randint(0, 30)),
                    )
                )
            db.session.add_all(people)

    def _sites(self) -> None:
        free = {
            code: [t for t in people if t.user_id is None] for code, people in self.staff.items()
        }
        for spec in SITES:
            site = Site(
                name=spec.name,
                kind=spec.kind,
                agency_id=self.agencies[spec.agency].id if spec.agency else None,
                area=spec.area,
                address=spec.address,
                opening_times=spec.opening_times,
                listed=spec.listed,
                created_at=_at(PLAN_STARTS_ON, "09:00"),
            )
            db.session.add(site)
            code = spec.agency or "RCVS"
            for _ in range(len(spec.trained) + spec.others):
                self._assign(free[code].pop(), site, spec)
        db.session.flush()

    def _assign(self, trainee: Trainee, site: Site, spec: DemoSite) -> None:
        trainee.site = site
        self.site_staff[trainee] = site
        word = SITE_TEAMS.get(spec.kind)
        teams = [pair for pair in STAFF[spec.agency or "RCVS"][1] if word and word in pair[0]]
        if teams:
            trainee.team, trainee.job_role = self.rng.choice(teams)

    # --- Runs ----------------------------------------------------------------------------------

    def _schedule(self) -> None:
        earliest = PLAN_STARTS_ON + timedelta(days=21)
        for spec in COURSES:
            anchor = self.today + timedelta(days=spec.anchor_days)
            ago = 1
            while (
                first := _working_day(anchor - relativedelta(months=spec.every_months * ago))
            ) >= earliest:
                self._run(spec, ago, first)
                ago += 1
        # The run in the last week (registers taken, evaluations still coming in) and upcoming runs.
        responding = COURSES[1]
        self._run(responding, 0, _working_day(self.today - timedelta(days=12)), key="recent")
        for spec, days, key in (
            (responding, 10, "full"),
            (COURSES[0], 17, "free"),
            (COURSES[3], 31, "dash"),
            (COURSES[2], 45, "coercive"),
        ):
            self._run(spec, 0, _working_day(self.today + timedelta(days=days)), key=key)
        # Site staff and demo users take the runs the site specs name.
        for site in SITES:
            site_people = [t for t, s in self.site_staff.items() if s.name == site.name]
            for trainee, (key, ago) in zip(site_people, site.trained, strict=False):
                self.runs[(key, ago)].forced.append(trainee)
            if site.one_left:
                self.left[site_people[len(site.trained) - 1]] = self.now - timedelta(days=45)
        for local, training in USER_TRAINING.items():
            trainee = self._trainee_of(self.users[local])
            for key, ago in training:
                self.runs[(key, ago)].forced.append(trainee)

    def _trainee_of(self, user: User) -> Trainee:
        return next(t for people in self.staff.values() for t in people if t.user_id == user.id)

    def _run(self, spec: DemoCourse, ago: int, first: date, key: str = "") -> None:
        venue, online = VENUES[(ago + len(spec.key)) % len(VENUES)]
        run = CourseRun(
            course_id=self.courses[spec.key].id,
            trainer=TRAINERS[spec.key][ago % len(TRAINERS[spec.key])],
            capacity=spec.capacity,
            places_taken=0,
            starts_on=first,
            status=RunStatus.FINISHED if first < self.today else RunStatus.SCHEDULED,
            joining_instructions="Joining link sent the day before."
            if online
            else "Sign in at reception; the room is signposted.",
            created_by_id=self.coordinator.id,
            created_at=_at(first - timedelta(days=60), "11:00"),
        )
        sessions = [
            TrainingSession(
                starts_at=_at(first + timedelta(days=offset), start),
                ends_at=_at(first + timedelta(days=offset), end),
                online=online,
                venue=venue,
            )
            for offset, start, end in spec.sessions
        ]
        run.sessions.extend(sessions)
        db.session.add(run)
        self.runs[(key or spec.key, ago)] = _Run(spec, run, ago, sessions)

    # --- Enrolments, registers, evaluations, completion ----------------------------------------

    def _candidates(self, run: _Run) -> list[Trainee]:
        """Staff who might book this run, keenest agencies first (weighted, without repeats).
        Site staff take practitioner courses only where their site's spec says (see SITES)."""
        practitioner = run.course.level is not Level.AWARENESS
        first = run.model.starts_on
        pool = [
            t
            for people in self.staff.values()
            for t in people
            if t not in run.forced
            and not (practitioner and (t in self.site_staff or t.user_id is not None))
            and self.holds.get((t, run.course.key), first) <= first
        ]
        code_of = {a.id: code for code, a in self.agencies.items()}
        weight = {t: KEENNESS.get(code_of[t.agency_id], 4) for t in pool}
        return sorted(pool, key=lambda t: -(self.rng.random() ** (1 / weight[t])))

    def _fill(self, run: _Run) -> None:
        model, spec = run.model, run.course
        upcoming = model.starts_on >= self.today
        if upcoming:
            self._fill_upcoming(run)
            return
        cancelled_run = spec.key == "awareness" and run.ago == 5
        wanted = self.rng.randint(int(spec.capacity * 0.55), int(spec.capacity * 0.9))
        people = run.forced + self._candidates(run)[: max(0, wanted - len(run.forced))]
        last_end = run.sessions[-1].ends_at
        for trainee in people:
            enrolment = self._enrol(run, trainee, S.BOOKED)
            if cancelled_run:
                self._move(enrolment, S.CANCELLED, model.starts_on, "The run was cancelled.")
                continue
            roll = 0.9 if trainee in run.forced else self.rng.random()
            if roll < 0.06:
                self._move(enrolment, S.CANCELLED, model.starts_on, "Cannot attend after all.")
                continue
            model.places_taken += 1
            partial = len(run.sessions) > 1 and roll < 0.19
            outcome = S.NO_SHOW if roll < 0.12 else S.PARTIALLY_ATTENDED if partial else S.ATTENDED
            self._register(run, enrolment, outcome)
            enrolment.move_to(outcome, last_end + timedelta(minutes=20))  # the register
            self._history(enrolment, S.BOOKED, enrolment.status_changed_at, self.coordinator)
            evaluated = outcome is not S.NO_SHOW and self._evaluate(
                run, enrolment, forced=trainee in run.forced
            )
            if spec.knowledge_check_pass_mark is not None and outcome is S.ATTENDED:
                low = 75 if trainee in run.forced else 55
                enrolment.knowledge_check_score = self.rng.randrange(low, 100, 5)
            self._complete(run, enrolment, evaluated)
        if cancelled_run:
            model.status = RunStatus.CANCELLED

    def _add_pending(self) -> None:
        db.session.flush()
        db.session.add_all(self.pending)
        self.pending.clear()

    def _fill_upcoming(self, run: _Run) -> None:
        model = run.model
        key = next(k for k, r in self.runs.items() if r is run)[0]
        booked = {"full": model.capacity, "free": 9, "dash": 6, "coercive": 5}[key]
        people = run.forced + self._candidates(run)
        nelft = [t for t in people if t.agency_id == self.agencies["NELFT"].id]
        referrer = self._trainee_of(self.users["referrer"])
        if key == "coercive":
            people = [referrer] + [t for t in people if t is not referrer]
        if key == "full":
            booked -= 1  # the last place went to the first on the waiting list
        for trainee in people[:booked]:
            self._enrol(run, trainee, S.BOOKED)
            model.places_taken += 1
        if key == "full":
            self._waiting_list(run, people[booked:])
        else:
            # Requests from NELFT staff wait for their agency training lead.
            for trainee in [t for t in nelft if t not in people[:booked]][
                : 2 if key == "free" else 1
            ]:
                self._enrol(run, trainee, S.REQUESTED)

    def _waiting_list(self, run: _Run, people: list[Trainee]) -> None:
        """The run is full with three waiting: someone who had the last place cancelled, and the
        first on the waiting list was promoted (by the system) into it."""
        gone, promoted, *waiting = people[:5]
        start = self.now - timedelta(days=9)
        gone_enrolment = self._enrol(run, gone, S.BOOKED, start)
        moved = self._enrol(run, promoted, S.WAITLISTED, start + timedelta(hours=2))
        for n, trainee in enumerate(waiting):
            self._enrol(run, trainee, S.WAITLISTED, start + timedelta(days=1, hours=n))
        cancelled = start + timedelta(days=5)
        old = gone_enrolment.move_to(S.CANCELLED, cancelled)
        self._history(gone_enrolment, old, cancelled, self.coordinator, "Annual leave booked.")
        old = moved.move_to(S.BOOKED, cancelled)
        self._history(moved, old, cancelled, None, "A place came free.")
        run.model.places_taken += 1

    def _enrol(
        self, run: _Run, trainee: Trainee, status: EnrolmentStatus, at: datetime | None = None
    ) -> Enrolment:
        first = run.model.starts_on
        booked = at or min(
            _at(first - timedelta(days=self.rng.randint(15, 50)), "10:00"),
            self.now - timedelta(days=self.rng.randint(10, 20)),
        )
        enrolment = Enrolment(
            run=run.model,
            trainee=trainee,
            agency_id=trainee.agency_id,
            status=status,
            status_changed_at=booked,
            waitlisted_at=booked if status is S.WAITLISTED else None,
            created_at=booked,
        )
        db.session.add(enrolment)
        self._history(enrolment, None, booked, None if status is S.REQUESTED else self.coordinator)
        return enrolment

    def _move(self, enrolment: Enrolment, status: EnrolmentStatus, before: date, why: str) -> None:
        when = min(_at(before - timedelta(days=self.rng.randint(2, 10)), "14:00"), self.now)
        when = max(when, enrolment.created_at + timedelta(hours=1))
        old = enrolment.move_to(status, when)
        self._history(enrolment, old, when, self.coordinator, why)

    def _history(
        self,
        enrolment: Enrolment,
        old: EnrolmentStatus | None,
        at: datetime,
        by: User | None,
        reason: str = "",
    ) -> None:
        self.pending.append(
            EnrolmentChange(
                enrolment_id=enrolment.id,
                from_status=old,
                to_status=enrolment.status,
                by_id=by.id if by else None,
                reason=reason,
                at=at,
            )
        )

    def _register(self, run: _Run, enrolment: Enrolment, outcome: EnrolmentStatus) -> None:
        for n, session in enumerate(run.sessions):
            if outcome is S.NO_SHOW:
                mark = self.rng.choice((Mark.ABSENT, Mark.ABSENT, Mark.EXCUSED))
            elif outcome is S.PARTIALLY_ATTENDED and n == len(run.sessions) - 1:
                mark = Mark.ABSENT
            else:
                mark = Mark.LATE if self.rng.random() < 0.08 else Mark.PRESENT
            self.pending.append(
                AttendanceMark(
                    session_id=session.id,
                    enrolment_id=enrolment.id,
                    mark=mark,
                    recorded_by_id=self.coordinator.id,
                    recorded_at=session.ends_at + timedelta(minutes=20),
                )
            )

    def _evaluate(self, run: _Run, enrolment: Enrolment, *, forced: bool) -> bool:
        """Confidence before and after (higher after, by about 1.5 to 2 points), reactions after;
        True if the end-of-course one was submitted. The awareness course does not ask for it, so
        only some of its trainees answer."""
        if not run.course.requires_evaluation and self.rng.random() < 0.5:
            return False
        starts, ends = run.sessions[0].starts_at, run.sessions[-1].ends_at
        base = self.rng.randint(2, 5)
        before = {item: _likert(base + self.rng.choice((-1, 0, 0, 1))) for item in CONFIDENCE_ITEMS}
        self._evaluation(enrolment, EvaluationKind.BEFORE, starts - timedelta(days=1), before)
        if enrolment.status is not S.ATTENDED:
            return False
        submits = forced or run.ago == 0 or self.rng.random() > 0.08
        if run.ago == 0:
            submits = False  # the run in the last week: evaluations still outstanding
        after = {
            item: _likert(score + self.rng.choice((1, 1, 2, 2, 2, 3)))
            for item, score in before.items()
        }
        after |= {item: self.rng.randint(5, 7) for item in REACTION_ITEMS}
        comment = self.rng.choice(COMMENTS) if self.rng.random() < 0.05 else None
        self._evaluation(
            enrolment, EvaluationKind.AFTER, ends, after if submits else None, comment, ends
        )
        return submits

    def _evaluation(
        self,
        enrolment: Enrolment,
        kind: EvaluationKind,
        at: datetime,
        scores: dict[str, int] | None,
        comment: str | None = None,
        invited: datetime | None = None,
    ) -> Evaluation:
        evaluation = Evaluation(
            enrolment=enrolment,
            kind=kind,
            invited_at=invited or at - timedelta(days=2),
            submitted_at=at + timedelta(hours=2) if scores is not None else None,
            # As if its link had been emailed: a demo trainee's address reaches no one, so the
            # link is known to nobody (the coordinator can enter the answers from paper).
            token_hash=hash_token(new_token()) if scores is None else None,
        )
        if comment is not None:
            evaluation.comments = comment
        for item, score in (scores or {}).items():
            evaluation.answers.append(EvaluationAnswer(item=item, score=score))
        db.session.add(evaluation)
        return evaluation

    def _complete(self, run: _Run, enrolment: Enrolment, evaluated: bool) -> None:
        """Complete the enrolment if the course's rule is met and issue its certificate.

        The rule (``completion.outstanding``) is decided here from what the builder wrote, and the
        certificate made as ``certificates.issue`` makes it, because asking the database row by
        row costs about 10 ms a completion; tests check every demo enrolment against
        ``completion.outstanding`` and every certificate against ``certificates.expiry_for``."""
        course = self.courses[run.course.key]
        pass_mark = course.knowledge_check_pass_mark
        if (
            enrolment.status is not S.ATTENDED
            or (course.requires_evaluation and not evaluated)
            or (pass_mark is not None and (enrolment.knowledge_check_score or 0) < pass_mark)
        ):
            return
        last = run.sessions[-1]
        done = (
            _at(uk_today(last.ends_at) + timedelta(days=1), "10:00")
            if course.requires_evaluation
            else last.ends_at + timedelta(hours=1)
        )
        enrolment.completed_on = uk_today(last.starts_at)
        old = enrolment.move_to(S.COMPLETED, done)
        self._history(enrolment, old, done, self.coordinator)
        code, code_hash = CERTIFICATE_CODE.issue()
        certificate = Certificate(
            enrolment_id=enrolment.id,
            trainee=enrolment.trainee,
            course_id=course.id,
            agency_id=enrolment.agency_id,
            code_hash=code_hash,
            holder_name=enrolment.trainee.name,
            course_title=course.title,
            level=course.level,
            completed_on=enrolment.completed_on,
            issued_on=uk_today(done),
            expires_on=certificates.expiry_for(course, enrolment.completed_on),
        )
        certificate.code = code
        self.pending.append(certificate)
        self.certificates.append((certificate, enrolment, done))
        if certificate.expires_on is not None:
            self.holds[(enrolment.trainee, run.course.key)] = certificate.expires_on
        follow_up = done + current_app.config["EVALUATION_FOLLOW_UP_AFTER"]
        if follow_up <= self.now:
            self._follow_up(enrolment, follow_up, answered_after=evaluated)

    def _issued(self) -> None:
        """The audit trail's record of each certificate issued, in one append."""
        audit.record_all(
            [
                audit.Entry(
                    AuditAction.CERTIFICATE_ISSUED,
                    self.coordinator,
                    "training_certificate",
                    certificate.id,
                )
                for certificate, _, _ in self.certificates
            ]
        )

    def _follow_up(self, enrolment: Enrolment, invited: datetime, *, answered_after: bool) -> None:
        """Kirkpatrick level 3, eight weeks on. As the job does, every completed enrolment is
        invited, even on the awareness course where the end-of-course questionnaire is optional;
        about half of those who answered that one answer this, few of those who did not (so a
        course has fewer follow-up answers than end-of-course ones, as a real programme would)."""
        answered = self.rng.random() < (0.55 if answered_after else 0.1)
        evaluation = self._evaluation(
            enrolment,
            EvaluationKind.FOLLOW_UP,
            invited + timedelta(days=3),
            {} if answered else None,
            invited=invited,
        )
        if answered:
            evaluation.recognised_abuse = self.rng.random() < 0.6
            evaluation.responded_to_abuse = bool(evaluation.recognised_abuse) and (
                self.rng.random() < 0.7
            )

    # --- Revocations, reminders, safe spaces ---------------------------------------------------

    def _revocations(self) -> None:
        elmfield = next(s for s in SITES if s.one_revoked)
        at_site = [
            c
            for c, enrolment, _ in self.certificates
            if self._site_of(enrolment) == elmfield.name and c.level is not Level.AWARENESS
        ]
        others = [
            c
            for c, enrolment, done in self.certificates
            if enrolment.trainee not in self.site_staff
            and c.level is Level.PRACTITIONER
            and self.now - timedelta(days=500) < done < self.now - timedelta(days=300)
        ]
        for certificate, reason, days in (
            (at_site[0], REVOKED_REASONS[0], 20),
            (others[0], REVOKED_REASONS[1], 290),
        ):
            certificate.revoked_at = self.now - timedelta(days=days)
            certificate.revoked_reason = reason
            certificate.revoked_by_id = self.coordinator.id

    def _site_of(self, enrolment: Enrolment) -> str | None:
        site = self.site_staff.get(enrolment.trainee)
        return site.name if site else None


def _likert(score: int) -> int:
    return max(1, min(7, score))
