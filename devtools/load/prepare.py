"""What the load test's users need from a seeded database, written as JSON for the locustfile.

Run by `devtools/load/run.py` after `load_demo` and `generate_portfolio`, with the throw-away database's
DATABASE_URL: it gives each demo staff login an authenticator app (production requires one of staff, and
the load test signs in as production does), opens the demo partner's draft report (the partner's write),
and picks the ids the pages are read with (projects, the donor, filters).

    python devtools/load/prepare.py OUTPUT.json
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = 200  # public projects read in turn by the anonymous users


def prepare() -> dict:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count

    from devtools.demo.logins import DEMO_PASSWORD, STAFF_LOGINS
    from grants.models import Allocation, FundingWindow, Project, ProjectCountry
    from grants.selectors.visibility import visible_projects
    from members.models import Organisation, OrganisationRole, Role, User
    from results.models import ReportingPeriod, ReportKind
    from results.services import report_start

    staff = []
    for email, _name, role in STAFF_LOGINS:
        user = User.objects.get(email=email)
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        staff.append({"email": email, "role": role, "totp_secret": secret})

    partner = User.objects.get(email="partner@example.org")
    organisations = OrganisationRole.objects.filter(user=partner, role=Role.PARTNER).values("organisation")
    period = (
        ReportingPeriod.objects.filter(project__partners__organisation__in=organisations, kind=ReportKind.PROGRESS)
        .order_by("-start_date", "pk")
        .first()
    )
    if period is None:
        raise SystemExit("The demo partner owes no progress report: was load_demo run?")
    draft = report_start(period=period, user=partner)

    # The demo donor login also acts for the donor funding the most projects, whose dashboard is the heaviest.
    donor_user = User.objects.get(email="donor@example.org")
    funders = (
        Allocation.objects.values("contribution__donor")
        .annotate(projects=Count("project", distinct=True))
        .order_by("-projects", "contribution__donor")
    )
    donor = Organisation.objects.get(pk=funders[0]["contribution__donor"])
    OrganisationRole.objects.get_or_create(user=donor_user, organisation=donor, role=Role.DONOR)

    public = visible_projects(AnonymousUser()).order_by("pk").values_list("code", flat=True)
    codes = list(public)
    random.Random(1).shuffle(codes)
    countries = list(
        ProjectCountry.objects.filter(project__is_public=True)
        .values("country")
        .annotate(projects=Count("project"))
        .order_by("-projects", "country")
        .values_list("country", flat=True)[:10]
    )
    return {
        "password": DEMO_PASSWORD,
        "staff": staff,
        "partner": {"email": partner.email, "report": draft.pk, "report_status": draft.status},
        "donor": {"email": donor_user.email, "organisation": donor.pk, "projects": funders[0]["projects"]},
        "projects": codes[:SAMPLE],
        "public_projects": len(codes),
        "countries": countries,
        "windows": list(FundingWindow.objects.order_by("pk").values_list("pk", flat=True)),
        "sizes": {
            "projects": Project.objects.count(),
            "public_projects": len(codes),
        },
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citiesalliance.settings")
    import django

    django.setup()
    Path(sys.argv[1]).write_text(json.dumps(prepare(), indent=2))


if __name__ == "__main__":
    main()
