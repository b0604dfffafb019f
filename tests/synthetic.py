"""Synthetic people for tests and benchmarks. Invented; any resemblance is chance."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

FIRST = [
    "Aisha",
    "Zoë",
    "Chloé",
    "Siân",
    "Seán",
    "Maria",
    "Olivia",
    "Amira",
    "Priya",
    "Fatima",
    "Joanna",
    "Niamh",
    "Grace",
    "Ewa",
    "Leah",
    "Hannah",
    "Renée",
    "Inés",
    "Zara",
    "Yasmin",
    "Łucja",
    "Sofía",
    "Ayşe",
    "Bridget",
    "Comfort",
    "Dolores",
    "Esther",
    "Farah",
    "Gülsen",
]
LAST = [
    "O'Brien",
    "Smith-Jones",
    "Nguyễn",
    "Kowalska",
    "Ní Bhriain",
    "Okafor",
    "Patel",
    "Begum",
    "Ahmed",
    "Williams",
    "Da Silva",
    "MacDonald",
    "D'Souza",
    "Åkesson",
    "Müller",
    "Novák",
    "Hussain",
    "Taylor",
    "Brown",
    "Evans",
    "Le Roux",
    "Van der Berg",
    "Øberg",
    "Çelik",
    "St. John",
    "Fitzgerald",
    "Ó Súilleabháin",
    "Khan",
    "Chowdhury",
    "Mensah",
]
AREAS = ["IG1", "IG2", "IG3", "IG4", "IG5", "IG6", "IG7", "IG8", "E11", "E12", "E18", "RM6"]


def person(rng: random.Random, n: int) -> dict[str, object]:
    """One synthetic identity; ``n`` makes surnames and phones distinct enough across 100k."""
    suffix = "" if n < 900 else "-" + chr(65 + n % 26) + chr(65 + n // 26 % 26)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return {
        "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST) + suffix,
        "date_of_birth": date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)),
        "phone": f"07700 {900000 + n % 100000:06d}"[:12] if n % 3 else None,
        "postcode": f"{rng.choice(AREAS)} {rng.randrange(1, 10)}"
        f"{rng.choice(letters)}{rng.choice(letters)}",
    }


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def vary(rng: random.Random, identity: dict[str, object]) -> dict[str, object]:
    """The same person as another professional might type them."""
    out = dict(identity)
    for key in ("first_name", "last_name"):
        text = str(out[key])
        choice = rng.randrange(6)
        if choice == 0:
            text = text.upper()
        elif choice == 1:
            text = text.lower()
        elif choice == 2:
            text = f"  {text} "
        elif choice == 3:
            text = text.replace("'", "").replace("-", " ").replace(".", "")
        elif choice == 4:
            text = _strip_accents(text)
        else:
            text = text.replace(" ", "")
        out[key] = text
    if out.get("phone"):
        digits = str(out["phone"]).replace(" ", "")
        out["phone"] = rng.choice(
            [digits, "+44 " + digits[1:], f"({digits[:5]}) {digits[5:]}", "0044" + digits[1:]]
        )
    postcode = str(out["postcode"])
    out["postcode"] = rng.choice([postcode.lower(), postcode.replace(" ", ""), f" {postcode}  "])
    return out
