"""The reference data a real deployment starts from, as the partnership's public documents state it: the two
funding windows and their facilities, the 2018-2021 themes, the default agreement texts, and the membership
structure (`members.reference`). Loaded by `manage.py load_reference_data`, and first of all by the demo."""

from __future__ import annotations

from django.db import transaction

from common.records import ensure
from members.reference import load_membership_structure

from .agreement_texts import default_agreement_texts_ensure
from .models import Facility, FundingWindow, Theme

WINDOWS = [
    (
        "country-city",
        "Country/City Window",
        "Technical assistance at the city and national level across multiple countries; includes the Innovation Fund.",
        [
            (
                "country-programmes",
                "Country Programmes",
                False,
                "Work at the community, local and national levels in rapidly urbanising countries.",
            ),
            (
                "innovation-fund",
                "Innovation Fund",
                True,
                "Small grants to local authorities and communities for innovative approaches to urban transformation.",
            ),
            (
                "catalytic-fund",
                "Catalytic Fund",
                True,
                "A competitive open grant facility to promote innovation and city transformation.",
            ),
            (
                "community-upgrading-fund",
                "Community Upgrading Fund",
                False,
                "Infrastructure projects selected and managed by the communities they serve.",
            ),
        ],
    ),
    (
        "global",
        "Global Window",
        "New analytical and collaborative approaches to key policy issues; includes regional and Joint "
        "Work Programmes.",
        [
            (
                "joint-work-programmes",
                "Joint Work Programmes",
                False,
                "Member-led analytical and strategic activities focused on major policy issues.",
            ),
        ],
    ),
]

THEMES = [
    ("equitable-economic-growth", "Equitable economic growth"),
    ("resilience-climate", "Resilience, cities and climate change"),
    ("gender-equality", "Gender equality and women's empowerment"),
    ("cities-migration", "Cities and migration"),
]


@transaction.atomic
def load_reference_data() -> None:
    """The partnership's fixed structure: constituencies, governance, windows, facilities, themes; and the default
    agreement texts. A second run changes nothing."""
    default_agreement_texts_ensure()
    load_membership_structure()
    for order, (code, name, description, facilities) in enumerate(WINDOWS, start=1):
        window = ensure(FundingWindow, {"code": code}, {"name": name, "description": description, "order": order})
        for facility_code, facility_name, competitive, facility_description in facilities:
            ensure(
                Facility,
                {"code": facility_code},
                {
                    "window": window,
                    "name": facility_name,
                    "is_competitive": competitive,
                    "description": facility_description,
                },
            )
    for code, name in THEMES:
        ensure(Theme, {"code": code}, {"name": name, "start_year": 2018, "end_year": 2021})
