"""The partnership's membership structure as its public documents state it: the six constituencies, the
Assembly and the twelve-seat Management Board. A real deployment starts from these (`manage.py load_reference_data`)."""

from __future__ import annotations

from common.records import ensure

from .models import Constituency, GoverningBody, GoverningBodyKind

CONSTITUENCIES = [
    ("national-governments", "National Governments"),
    ("multilateral-institutions", "Multilateral Institutions"),
    ("local-government-associations", "Associations of Local Governments"),
    ("ngos", "Non-Governmental Organisations"),
    ("private-sector-foundations", "Private Sector and Foundations"),
    ("universities-knowledge-networks", "Universities and Knowledge Networks"),
]


def load_membership_structure() -> None:
    """The constituencies and the governing bodies; a second run changes nothing."""
    for order, (code, name) in enumerate(CONSTITUENCIES, start=1):
        ensure(Constituency, {"code": code}, {"name": name, "order": order})
    ensure(
        GoverningBody,
        {"kind": GoverningBodyKind.ASSEMBLY},
        {
            "name": "Assembly",
            "seat_count": None,
            "description": "All members, meeting annually; approves activities through the Medium-Term Strategy.",
        },
    )
    ensure(
        GoverningBody,
        {"kind": GoverningBodyKind.MANAGEMENT_BOARD},
        {
            "name": "Management Board",
            "seat_count": 12,
            "description": "Twelve members representing the six constituencies; oversees the partnership's activities.",
        },
    )
