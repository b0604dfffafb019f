"""The invented facts the demo training programme is built from (``training/demo.py``): courses,
staff names, teams, sites and venues. Nothing here names a real person; site names are invented,
in real Redbridge areas."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Level, SiteKind

PLAN_NAME = "Redbridge domestic abuse training strategy 2022 to 2027"


@dataclass(frozen=True)
class DemoCourse:
    key: str
    title: str
    level: Level
    audience: str
    description: str
    validity_months: int
    requires_evaluation: bool
    knowledge_check_pass_mark: int | None
    # Sessions as (day offset from the first, UK start, UK end): 9:30 to 12:30, 13:30 to 16:30.
    sessions: tuple[tuple[int, str, str], ...]
    capacity: int
    # Past runs: one every ``every_months`` counted back from ``anchor_days`` after today, so that
    # some certificates always expire within the dashboard's 90 days, whenever the demo is loaded.
    every_months: int
    anchor_days: int


MORNING, AFTERNOON = ("09:30", "12:30"), ("13:30", "16:30")

COURSES = [
    DemoCourse(
        "awareness",
        "Domestic abuse awareness",
        Level.AWARENESS,
        "Everyone working with the public: reception, front-desk, library and pharmacy staff, "
        "volunteers.",
        "What domestic abuse is, how common it is in Redbridge, the signs to notice and how to "
        "pass on a concern safely.",
        36,
        False,
        None,
        ((0, *MORNING),),
        20,
        4,
        60,
    ),
    DemoCourse(
        "responding",
        "Recognising and responding to domestic abuse",
        Level.PRACTITIONER,
        "Frontline practitioners who may be the first professional someone tells: health, "
        "housing, police, social care, voluntary sector.",
        "How to ask about abuse safely, respond to a disclosure, record it and refer to the right "
        "local service. Two half-day sessions a week apart.",
        24,
        True,
        None,
        ((0, *MORNING), (7, *MORNING)),
        14,
        4,
        40,
    ),
    DemoCourse(
        "coercive",
        "Coercive control and stalking",
        Level.PRACTITIONER,
        "Practitioners who already completed the awareness course.",
        "Patterns of controlling behaviour, the offence under section 76 of the Serious Crime "
        "Act 2015, stalking, and how to gather what a victim tells you.",
        24,
        True,
        None,
        ((0, *AFTERNOON),),
        14,
        6,
        70,
    ),
    DemoCourse(
        "dash",
        "DASH risk assessment and Marac referral",
        Level.SPECIALIST,
        "Practitioners who complete risk assessments: police, IDVAs, health and housing "
        "specialists.",
        "Completing the SafeLives DASH risk identification checklist with a victim, professional "
        "judgement, and making a Marac referral. A knowledge check at the end.",
        24,
        True,
        70,
        ((0, *MORNING), (0, *AFTERNOON)),
        10,
        6,
        20,
    ),
]

TRAINERS = {
    "awareness": ["Nadia Okonjo (Refuge)", "Tom Hallett (Redbridge Council)"],
    "responding": ["Priya Raman (Victim Support)", "Gareth Lewis (NELFT)"],
    "coercive": ["Helen Achterberg (Refuge)"],
    "dash": ["Dami Adeyemi (Victim Support)", "Claire Moss (Metropolitan Police)"],
}

# (venue, online)
VENUES = [
    ("Lynton House, Ilford", False),
    ("Online (Microsoft Teams)", True),
    ("Redbridge Town Hall, Ilford", False),
    ("Fullwell Cross meeting rooms, Barkingside", False),
    ("Online (Microsoft Teams)", True),
]

FIRST_NAMES = """Abena Adil Agnieszka Ahmed Aiden Alisha Amara Amir Anjali Arjun Asha Bilal Bogdan
Bronwen Caleb Chiara Chidi Daniel Deepa Dmitri Efua Elif Emeka Esther Farah Femi Fiona Gabriel Grace
Hamza Hannah Harpreet Ines Isaac Jamal Jasmine Joanna Jonah Kamala Karim Kavita Kofi Laila Leon
Lucia Maddie Malik Marek Meera Mohammed Nadia Naomi Nikhil Olu Oscar Parveen Rafael Rania Ravi Rosa
Ruth Samira Sanjay Sean Simone Sofia Tariq Tess Tomasz Uzma Vikram Wanjiru Yasmin Yusuf Zainab
Zoe""".split()

LAST_NAMES = """Abbott Acheampong Ahmadi Akhtar Alvarez Appiah Barnes Begum Bhatt Boateng Brennan
Campbell Chaudhry Clarke Costa Dawson Desai Doyle Eze Farrell Fernandes Ghosh Grant Gill Hale Haque
Hussain Ibrahim Iqbal Jankowski Joshi Kaur Kelly Khan Kowalczyk Lewis Mahmood Marsh Mensah Mistry
Nowak Nwosu Obi Okafor Osei Owusu Patel Quinn Rahman Reid Rossi Sandhu Santos Shah Sheikh Singh
Smith Sousa Thakkar Turner Uddin Varga Walsh Ward Yilmaz Young Zielinski""".split()

# Per agency: staff to invent, and the (team, job role) pairs they work in.
STAFF: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "MPS": (
        20,
        [
            ("Ilford response team", "Police constable"),
            ("Safeguarding (Public Protection)", "Detective constable"),
            ("Safer neighbourhoods", "Police community support officer"),
            ("Ilford front office", "Station reception officer"),
        ],
    ),
    "LBR": (
        20,
        [
            ("Housing options", "Housing officer"),
            ("Libraries", "Library assistant"),
            ("Children's social care", "Social worker"),
            ("Customer services", "Customer service adviser"),
            ("Early help", "Family support worker"),
        ],
    ),
    "LFB": (10, [("Ilford fire station", "Firefighter"), ("Community safety", "Safety adviser")]),
    "PROB": (12, [("Redbridge probation", "Probation officer"), ("Courts team", "Court officer")]),
    "MOPAC": (10, [("Commissioning", "Commissioning officer"), ("Policy", "Policy adviser")]),
    "NHSNEL": (
        20,
        [
            ("GP practices", "Practice nurse"),
            ("GP practices", "Receptionist"),
            ("Community pharmacy", "Pharmacist"),
            ("Community pharmacy", "Pharmacy assistant"),
        ],
    ),
    "NELFT": (
        20,
        [
            ("Health visiting", "Health visitor"),
            ("School nursing", "School nurse"),
            ("Community mental health", "Mental health nurse"),
            ("District nursing", "District nurse"),
        ],
    ),
    "BHRUT": (
        14,
        [
            ("Emergency department", "Staff nurse"),
            ("Maternity", "Midwife"),
            ("Safeguarding", "Nurse"),
        ],
    ),
    "VS": (12, [("Redbridge IDVA service", "IDVA"), ("Community support", "Caseworker")]),
    "RCVS": (
        12,
        [("Community hubs", "Hub coordinator"), ("Volunteering", "Volunteer coordinator")],
    ),
    "REC": (10, [("Community kitchens", "Project worker"), ("Advice", "Adviser")]),
    "RSNB": (10, [("Ward panels", "Panel member"), ("Board office", "Administrator")]),
    "REFUGE": (12, [("Outreach", "Outreach worker"), ("Refuge services", "Support worker")]),
}

# How keen each agency's staff are to book (a weight): some agencies fall behind their targets.
KEENNESS = {"MOPAC": 1, "RSNB": 1, "LFB": 2, "REC": 2, "BHRUT": 3, "PROB": 3}


@dataclass(frozen=True)
class DemoSite:
    name: str
    kind: SiteKind
    agency: str | None  # the agency whose staff work there
    area: str
    address: str
    opening_times: str
    # Its staff's practitioner-or-higher training, as (course key, how many runs ago): the
    # safe-space history is worked out from the certificates these make, never written by hand.
    trained: tuple[tuple[str, int], ...]
    listed: bool = True
    # Staff without such a certificate (awareness at most).
    others: int = 0
    # A trained member of staff has left (her certificate no longer counts).
    one_left: bool = False
    # One of its certificates is revoked (the site lost its status on that day).
    one_revoked: bool = False


WEEKDAYS = "Monday to Friday, 9am to 5pm"
SITES = [
    DemoSite(
        "Lynton House customer service centre",
        SiteKind.AGENCY_PREMISES,
        "LBR",
        "Ilford town centre",
        "Lynton House, High Road, Ilford",
        WEEKDAYS,
        (("responding", 1), ("responding", 3), ("coercive", 2)),
    ),
    DemoSite(
        "Hollybush Medical Practice",
        SiteKind.GP_SURGERY,
        "NHSNEL",
        "Barkingside",
        "8 Hollybush Parade, Barkingside",
        "Monday to Friday, 8am to 6:30pm",
        (("responding", 2), ("coercive", 1)),
    ),
    DemoSite(
        "Orchard Pharmacy",
        SiteKind.PHARMACY,
        "NHSNEL",
        "Seven Kings",
        "141 Orchard Parade, Seven Kings",
        "Monday to Saturday, 9am to 7pm",
        (("responding", 4), ("responding", 5)),
    ),
    DemoSite(
        "Kingfisher Community Hub",
        SiteKind.COMMUNITY_HUB,
        "RCVS",
        "Hainault",
        "2 Kingfisher Walk, Hainault",
        "Tuesday to Saturday, 10am to 4pm",
        (("responding", 1), ("coercive", 1), ("responding", 3)),
        others=3,
    ),
    DemoSite(
        "Maple Lane Library",
        SiteKind.LIBRARY,
        "LBR",
        "Wanstead",
        "27 Maple Lane, Wanstead",
        "Monday to Saturday, 9:30am to 5:30pm",
        (("coercive", 2), ("responding", 2)),
        others=1,
    ),
    DemoSite(
        "Cedar House community mental health team",
        SiteKind.AGENCY_PREMISES,
        "NELFT",
        "Goodmayes",
        "Cedar House, Barley Lane, Goodmayes",
        WEEKDAYS,
        (("dash", 1), ("responding", 2), ("responding", 4)),
        others=3,
    ),
    DemoSite(
        "Fullwell Health Centre",
        SiteKind.GP_SURGERY,
        "NHSNEL",
        "Barkingside",
        "60 Fencepiece Parade, Barkingside",
        "Monday to Friday, 8am to 8pm",
        (("dash", 2), ("dash", 3)),
    ),
    DemoSite(
        "Refuge outreach office",
        SiteKind.AGENCY_PREMISES,
        "REFUGE",
        "Ilford town centre",
        "Address given on referral",
        WEEKDAYS,
        (("dash", 1), ("dash", 2)),
        listed=False,  # a refuge's office is not named on a public page
    ),
    DemoSite(
        "Aldborough Pharmacy",
        SiteKind.PHARMACY,
        "NHSNEL",
        "Newbury Park",
        "5 Aldborough Parade, Newbury Park",
        "Monday to Saturday, 9am to 6pm",
        # The second certificate came from the latest run: a safe space gained this quarter.
        (("responding", 5), ("responding", 1)),
    ),
    # Lost: both certificates expired and nobody has taken a refresher yet.
    DemoSite(
        "Greenleaf Pharmacy",
        SiteKind.PHARMACY,
        "NHSNEL",
        "Gants Hill",
        "3 Greenleaf Parade, Gants Hill",
        "Monday to Saturday, 9am to 6:30pm",
        (("responding", 7), ("responding", 8)),
    ),
    # Lost: a certificate was revoked.
    DemoSite(
        "Elmfield Library",
        SiteKind.LIBRARY,
        "LBR",
        "South Woodford",
        "90 Elmfield Road, South Woodford",
        "Monday to Saturday, 9:30am to 5pm",
        (("responding", 2), ("coercive", 3)),
        one_revoked=True,
    ),
    # Lost: a trained member of staff left.
    DemoSite(
        "Loxford Children and Family Centre",
        SiteKind.COMMUNITY_HUB,
        "LBR",
        "Ilford",
        "Loxford Lane, Ilford",
        WEEKDAYS,
        (("responding", 3), ("coercive", 2)),
        one_left=True,
    ),
    # Not yet: one trained member of staff.
    DemoSite(
        "Riverside Surgery",
        SiteKind.GP_SURGERY,
        "NHSNEL",
        "Woodford Green",
        "14 Riverside Road, Woodford Green",
        "Monday to Friday, 8am to 6:30pm",
        (("responding", 2),),
        others=2,
    ),
    # Not yet: one valid certificate, one long expired.
    DemoSite(
        "Clementswood Youth Centre",
        SiteKind.COMMUNITY_HUB,
        "LBR",
        "Ilford",
        "Clementswood Road, Ilford",
        "Monday to Friday, 3pm to 9pm",
        (("responding", 1), ("responding", 9)),
    ),
    # Not yet: awareness only.
    DemoSite(
        "Seven Kings Community Kitchen",
        SiteKind.COMMUNITY_HUB,
        "REC",
        "Seven Kings",
        "Seven Kings Methodist hall, High Road, Seven Kings",
        "Wednesday and Friday, 11am to 2pm",
        (),
        others=3,
    ),
]

REVOKED_REASONS = [
    "Issued in error: the register was marked for the wrong person.",
    "The knowledge check score was entered wrongly; the trainee will resit.",
]

COMMENTS = [
    "The role play about asking the question helped me most.",
    "I would like more time on which local service to refer to.",
    "Clear and practical. I now know who to call.",
    "The session on coercive control changed how I listen to people.",
    "Good pace, though the room was cold.",
]
