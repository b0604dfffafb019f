"""``flask demo load``: a synthetic partnership to try daservice with. Refuses in production.

Everything here is invented. No real person's data.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app

from .accounts import mfa
from .accounts import services as accounts_services
from .accounts.models import Agency, Role, User
from .directory import demo as directory_demo
from .directory.models import ServiceKind, ServiceMember
from .extensions import db
from .perpetrators import demo as programmes_demo
from .referrals import demo_history
from .training import demo as training_demo

AGENCIES = [
    ("MPS", "Metropolitan Police Service"),
    ("LBR", "London Borough of Redbridge"),
    ("LFB", "London Fire Brigade"),
    ("PROB", "Probation Service"),
    ("MOPAC", "Mayor's Office for Policing and Crime"),
    ("NHSNEL", "NHS North East London"),
    ("NELFT", "North East London NHS Foundation Trust"),
    ("BHRUT", "Barking, Havering and Redbridge University Hospitals NHS Trust"),
    ("VS", "Victim Support"),
    ("RCVS", "Redbridge Council for Voluntary Services"),
    ("REC", "Redbridge Equalities and Community Council"),
    ("RSNB", "Redbridge Safer Neighbourhood Board"),
    ("REFUGE", "Refuge"),
]

# One demo user per role: (email local part, name, agency code, role)
USERS = [
    ("referrer", "Rachel Referrer", "MPS", Role.REFERRER),
    ("idva", "Imani Worker", "VS", Role.SERVICE_WORKER),
    ("programme", "Paul Programme", "PROB", Role.PROGRAMME_WORKER),
    ("training", "Tara Coordinator", "LBR", Role.TRAINING_COORDINATOR),
    ("traininglead", "Leo Lead", "NELFT", Role.AGENCY_TRAINING_LEAD),
    ("manager", "Maya Manager", "LBR", Role.MANAGER),
    ("dpo", "Dev Protection", "LBR", Role.DPO),
    ("admin", "Ada Admin", "LBR", Role.ADMIN),
]
DEMO_DOMAIN = "demo.daservice.invalid"  # .invalid never resolves: no mail can reach anyone


def _refuse_in_production() -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo data is never loaded in production")


@click.group(help="The synthetic demo partnership.")
def demo() -> None:
    pass


@demo.command(
    "load",
    help="Create the demo agencies, one user per role, referrals and the training programme. "
    "Safe to run again.",
)
def load() -> None:
    _refuse_in_production()
    password = current_app.config.get("DEMO_PASSWORD")
    if not password:
        raise click.ClickException("set DEMO_PASSWORD in instance/config.py (make run does this)")
    agencies = {}
    for code, name in AGENCIES:
        agency = db.session.scalar(sa.select(Agency).where(Agency.code == code))
        if agency is None:
            agency = Agency(code=code, name=name)
            db.session.add(agency)
        agencies[code] = agency
    db.session.commit()
    services = directory_demo.load()
    users = {}
    for local, name, code, role in USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = accounts_services.find_user_by_email(email)
        if user is None:
            user, _ = accounts_services.create_user(
                None,
                email=email,
                display_name=name,
                agency_id=agencies[code].id,
                roles=[role],
                password=password,
            )
        users[local] = user
        # The demo service worker works the IDVA inbox; programme staff the programme's.
        kind = {
            Role.SERVICE_WORKER: ServiceKind.IDVA,
            Role.PROGRAMME_WORKER: ServiceKind.PERPETRATOR_PROGRAMME,
        }.get(role)
        if kind is not None and db.session.get(ServiceMember, (services[kind].id, user.id)) is None:
            db.session.add(ServiceMember(service_id=services[kind].id, user_id=user.id))
            db.session.commit()
    made = _demo_referrals()
    if made:
        click.echo(f"Created {made} synthetic referrals.")
    if history := demo_history.load(users.get("idva")):
        click.echo(f"Created {history} synthetic referrals over the last six quarters.")
    programme_worker = users.get("programme")
    if programme_worker and programmes_demo.load(
        services[ServiceKind.PERPETRATOR_PROGRAMME], programme_worker, users.get("referrer")
    ):
        click.echo(f"Created the demo perpetrator programme ({programmes_demo.PROGRAMME_NAME}).")
    if training_demo.load(agencies, users):
        click.echo(f"Created the demo training programme ({training_demo.PLAN_NAME}).")
    click.echo(f"\nDemo sign-ins (password for all: {password})")
    for local, _name, code, role in USERS:
        click.echo(f"  {role.value:<22} {local + '@' + DEMO_DOMAIN:<40} {code}")
    click.echo("Each user sets up an authenticator app (TOTP) at first sign-in.")
    click.echo(
        "Without a phone: `.venv/bin/flask --app daservice demo code EMAIL` "
        "prints a demo user's current code."
    )


@demo.command("code", help="Print a demo user's current security code (development only).")
@click.argument("email")
def code(email: str) -> None:
    _refuse_in_production()
    if not email.lower().endswith("@" + DEMO_DOMAIN):
        raise click.ClickException("only for demo users")
    user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
    if user is None or user.totp_secret is None:
        raise click.ClickException(
            "no such demo user, or they have not reached the set-up page yet"
        )
    click.echo(mfa.code_at(user.totp_secret))


# Synthetic referrals so inboxes are not empty: (first, last, yes answers, consent, needs, children)
DEMO_REFERRALS = [
    ("Aisha", "Demo-Begum", 16, "given", ["housing"], 1),
    ("Grace", "Demo-Mensah", 11, "given", [], 0),
    ("Niamh", "Demo-Fitzgerald", 4, "given", ["mental_health"], 0),
    ("Ewa", "Demo-Kowalska", 15, "refused", ["housing"], 2),
    ("Priya", "Demo-Patel", 6, "not_sought", [], 0),
]


def _demo_referrals() -> int:
    from .referrals import drafts
    from .referrals import services as referral_services
    from .referrals.models import Referral

    if db.session.scalar(sa.select(sa.func.count()).select_from(Referral)):
        return 0
    referrer = accounts_services.find_user_by_email(f"referrer@{DEMO_DOMAIN}")
    if referrer is None:
        return 0
    for n, (first, last, yes, consent, needs, children) in enumerate(DEMO_REFERRALS):
        body = {
            "victim": {
                "first_name": first,
                "last_name": last,
                "date_of_birth": f"19{80 + n}-0{n + 1}-1{n}",
                "postcode": "IG1 1DD",
                "phone": f"07700 90012{n}",
            },
            "safe_contact": {
                "safe_to_contact": n != 3,
                "phone": f"07700 90012{n}",
                "safe_times": "Weekdays 10am to 2pm",
                "text_ok": True,
                "voicemail_ok": False,
                "letters_ok": False,
                "code_word": "demo",
            },
            "risk": {
                "tool": "dash",
                "answers": {str(q): "yes" if q <= yes else "no" for q in range(1, 25)},
            },
            "consent": {"status": consent},
            "needs": needs,
            "children": [{"name": f"Demo Child {c + 1}"} for c in range(children)],
            "narrative": "Synthetic demo referral. Nothing here is about a real person.",
        }
        # The web journey's own path: a draft, saved, then sent.
        draft = drafts.start(referrer)
        drafts.save(referrer, draft.id, body)
        referral_services.submit_draft(referrer, draft.id)
    return len(DEMO_REFERRALS)
