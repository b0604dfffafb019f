"""Pages for the plan, its targets and courses (coordinators), the staff who train (coordinators
and agency training leads), and the training dashboard."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ..accounts import actor
from ..accounts import services as account_services
from ..exceptions import NotFound
from ..security.permissions import Permission, permission_required, protect
from ..uk_time import uk_today
from . import dashboard, planning, staff, staff_import
from .models import Level, Trainee
from .plan_forms import (
    LEVEL_LABELS,
    SAFE_SPACE_FIELD,
    CourseForm,
    ImportForm,
    PlanForm,
    TraineeForm,
    agency_id_of,
    parse_targets,
    target_field,
)
from .planning import TargetKey
from .queries import agency_ids_in_scope, get_trainee_or_404, sees_whole_partnership

bp = Blueprint("training", __name__, url_prefix="/training")
plan_bp = Blueprint("training_plan", __name__, url_prefix="/training/plan")
courses_bp = Blueprint("courses", __name__, url_prefix="/training/courses")
staff_bp = Blueprint("trainees", __name__, url_prefix="/training/staff")
protect(plan_bp, Permission.RUN_TRAINING)
protect(courses_bp, Permission.RUN_TRAINING)
protect(staff_bp, Permission.LEAD_TRAINING)


def init_app(app: Flask) -> None:
    """Register this part's blueprints, jobs and message templates."""
    for blueprint in (bp, plan_bp, courses_bp, staff_bp):
        app.register_blueprint(blueprint)


def _status(form: Any) -> int:
    return 400 if form.errors else 200


# --- The dashboard -----------------------------------------------------------------------------


@bp.route("/", endpoint="dashboard")
@permission_required(Permission.LEAD_TRAINING)
def dashboard_page() -> Any:
    user = actor()
    plan = planning.current_plan()
    scope = agency_ids_in_scope(user)
    agencies = staff.agencies_in_scope(user)
    chosen = agency_id_of(request.args.get("agency"))
    if chosen is not None:
        if chosen not in {a.id for a in agencies}:
            abort(404)
        scope = [chosen]
    year = planning.current_year(plan)
    if plan is not None and request.args.get("year", "").isdigit():
        try:
            year = planning.get_year(plan, int(request.args["year"]))
        except NotFound:
            abort(404)
    if plan is not None and year is None:
        year = plan.years[0] if uk_today() < plan.starts_on else plan.years[-1]
    within = current_app.config["CERTIFICATES_EXPIRING_WITHIN"]
    context: dict[str, Any] = {
        "plan": plan,
        "year": year,
        "agencies": agencies,
        "chosen": chosen,
        "scope_name": next((a.name for a in agencies if a.id == chosen), None)
        or ("The whole partnership" if scope is None else agencies[0].name if agencies else ""),
        "whole_partnership": sees_whole_partnership(user),
        "runs": dashboard.upcoming_runs(),
        "expiring": dashboard.expiring_by_agency(scope, within),
        "within_days": within.days,
        "Rag": dashboard.Rag,
        "amber_percent": round(dashboard.AMBER_FROM * 100),
    }
    if year is not None:
        context["progress"] = dashboard.progress(year, scope)
        context["fraction"] = dashboard.elapsed_fraction(year, uk_today())
        context["safe_spaces"] = dashboard.safe_spaces(year, scope)
    return render_template("training/dashboard.html", **context)


# --- The plan and its targets ------------------------------------------------------------------


@plan_bp.route("/", methods=["GET", "POST"])
def plan() -> Any:
    current = planning.current_plan()
    form = PlanForm()
    if request.method == "GET" and current is not None:
        form.process(data={"name": current.name, "starts_on": current.starts_on})
    if form.validate_on_submit() and form.starts_on.data is not None:
        saved = planning.save_plan(
            actor(), current, name=form.name.data, starts_on=form.starts_on.data
        )
        flash("Plan saved" if current else f"{saved.name} created with five plan years", "success")
        return redirect(url_for("training_plan.plan"))
    return render_template(
        "training/plan/index.html",
        plan=current,
        form=form,
        current=planning.current_year(current),
        editing=request.args.get("change") == "1" or form.errors or current is None,
    ), _status(form)


def _grid(
    year_id: uuid.UUID,
) -> tuple[Any, list[Any], list[Any], list[TargetKey], dict[TargetKey, str]]:
    current = planning.current_plan()
    year = next((y for y in current.years if y.id == year_id), None) if current else None
    if year is None:
        abort(404)
    agencies = account_services.list_agencies()
    courses = planning.list_courses(active_only=True)
    keys, labels = [], {}
    for agency in agencies:
        for level in Level:
            key = TargetKey(agency.id, level=level)
            keys.append(key)
            labels[key] = f"{agency.name}, any {LEVEL_LABELS[level].lower()} course"
        for course in courses:
            key = TargetKey(agency.id, course_id=course.id)
            keys.append(key)
            labels[key] = f"{agency.name}, {course.title}"
    return year, agencies, courses, keys, labels


@plan_bp.route("/years/<uuid:year_id>/targets", methods=["GET", "POST"])
def targets(year_id: uuid.UUID) -> Any:
    year, agencies, courses, keys, labels = _grid(year_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        entered = parse_targets(request.form, keys, labels)
        if not entered.errors:
            planning.save_targets(actor(), year, entered.counts, entered.safe_spaces)
            flash(f"Targets for {year.label} saved", "success")
            return redirect(url_for("training_plan.plan"))
        typed, errors = entered.typed, entered.errors
    else:
        saved = planning.targets_of(year)
        typed = {target_field(k): str(saved[k]) for k in keys if saved.get(k)}
        typed[SAFE_SPACE_FIELD] = str(year.safe_space_target or "")
    return render_template(
        "training/plan/targets.html",
        year=year,
        agencies=agencies,
        courses=courses,
        levels=list(Level),
        level_labels=LEVEL_LABELS,
        typed=typed,
        errors=errors,
        field_for=target_field,
        TargetKey=TargetKey,
        safe_space_field=SAFE_SPACE_FIELD,
    ), (400 if errors else 200)


# --- Courses -----------------------------------------------------------------------------------


@courses_bp.route("/")
def index() -> str:
    return render_template(
        "training/plan/courses.html", courses=planning.list_courses(), level_labels=LEVEL_LABELS
    )


@courses_bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    return _edit_course(None)


@courses_bp.route("/<uuid:course_id>", methods=["GET", "POST"])
def edit(course_id: uuid.UUID) -> Any:
    try:
        course = planning.get_course(course_id)
    except NotFound:
        abort(404)
    return _edit_course(course)


def _edit_course(course: Any) -> Any:
    form = CourseForm()
    if request.method == "GET":
        if course is not None:
            form.fill(course)
        else:
            form.process(data={"refresher_window_days": 90, "attendance_threshold_percent": 100})
    if form.validate_on_submit():
        try:
            saved = planning.save_course(actor(), course, form.values())
        except planning.DuplicateCourse as exc:
            form.title.errors = [str(exc)]
        else:
            flash(f"{saved.title} saved", "success")
            return redirect(url_for("courses.index"))
    return render_template("training/plan/course_form.html", form=form, course=course), _status(
        form
    )


# --- Staff -------------------------------------------------------------------------------------


@staff_bp.route("/")
def staff_list() -> str:
    user = actor()
    agencies = staff.agencies_in_scope(user)
    chosen = agency_id_of(request.args.get("agency"))
    if chosen is not None and chosen not in {a.id for a in agencies}:
        abort(404)
    name = request.args.get("name", "").strip()[:120]
    page = int(request.args["page"]) if request.args.get("page", "").isdigit() else 1
    rows, total = staff.find(user, name=name, agency_id=chosen, page=page)
    return render_template(
        "training/staff/index.html",
        trainees=rows,
        total=total,
        name=name,
        agencies=agencies,
        chosen=chosen,
        page=page,
        pages=max(1, (total + staff.PAGE_SIZE - 1) // staff.PAGE_SIZE),
        whole_partnership=sees_whole_partnership(user),
    )


def _trainee_choices(form: TraineeForm | ImportForm, user: Any) -> None:
    # An agency or site not offered is refused by the use case, as not found (404), the same
    # answer as for any row outside her scope.
    form.agency.validate_choice = False
    form.agency.choices = [("", "Select an agency")] + [
        (str(a.id), a.name) for a in staff.agencies_in_scope(user)
    ]
    if isinstance(form, TraineeForm):
        form.site.validate_choice = False
        form.site.choices = [("", "Not at a particular site")] + [
            (str(s.id), s.name) for s in staff.list_sites()
        ]


@staff_bp.route("/new", methods=["GET", "POST"])
def new_trainee() -> Any:
    return _edit_trainee(None)


@staff_bp.route("/<uuid:trainee_id>", methods=["GET", "POST"])
def edit_trainee(trainee_id: uuid.UUID) -> Any:
    user = actor()
    trainee = get_trainee_or_404(user, trainee_id)
    try:
        staff.check_agency(user, trainee.agency_id)  # her own record is not hers to edit here
    except NotFound:
        abort(404)
    return _edit_trainee(trainee)


def _edit_trainee(trainee: Trainee | None) -> Any:
    user = actor()
    form = TraineeForm()
    _trainee_choices(form, user)
    if not sees_whole_partnership(user) and not form.agency.data:
        form.agency.data = str(user.agency_id)
    if request.method == "GET":
        if trainee is not None:
            form.process(
                data={
                    "name": trainee.name,
                    "work_email": trainee.work_email,
                    "agency": str(trainee.agency_id),
                    "team": trainee.team,
                    "job_role": trainee.job_role,
                    "site": str(trainee.site_id or ""),
                }
            )
    if form.validate_on_submit():
        try:
            saved = staff.save_trainee(user, trainee, form.data)
        except staff.EmailTaken as exc:
            form.work_email.errors = [str(exc)]
        else:
            flash(f"{saved.name} saved", "success")
            return redirect(url_for("trainees.staff_list"))
    record = staff.training_record(user, trainee) if trainee is not None else None
    return render_template(
        "training/staff/form.html", form=form, trainee=trainee, record=record
    ), _status(form)


@staff_bp.route("/<uuid:trainee_id>/active", methods=["POST"])
def set_active(trainee_id: uuid.UUID) -> Response:
    user = actor()
    trainee = get_trainee_or_404(user, trainee_id)
    active = request.form.get("active") == "yes"
    staff.set_active(user, trainee, active)
    flash(f"{trainee.name} {'reactivated' if active else 'deactivated'}", "success")
    return redirect(url_for("trainees.edit_trainee", trainee_id=trainee.id))


@staff_bp.route("/import", methods=["GET", "POST"])
def import_staff() -> Any:
    user = actor()
    form = ImportForm()
    _trainee_choices(form, user)
    if not sees_whole_partnership(user) and not form.agency.data:
        form.agency.data = str(user.agency_id)
    result = None
    if form.validate_on_submit():
        agency_id = agency_id_of(form.agency.data)
        if agency_id is None:
            abort(404)
        result = staff_import.import_staff(user, agency_id, form.file.data.read())
        if result.imported:
            flash(f"Staff list imported: {result.summary}", "success")
            return redirect(url_for("trainees.staff_list", agency=agency_id))
    status = 400 if form.errors or (result and result.errors) else 200
    return render_template(
        "training/staff/import.html",
        form=form,
        result=result,
        whole_partnership=sees_whole_partnership(user),
        columns=staff_import.REQUIRED_COLUMNS,
    ), status
