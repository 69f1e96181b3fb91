"""The demo's consortia (issue 17, point 5): Jinja's draft to the open Innovation Fund call with Slum Dwellers
International as a co-applicant that may edit and Habitat for Humanity invited to view, not answered yet; and
Jinja's award of last year's call, made with SDI, whose project names both as implementing partners (published, so
its IATI activity does too).

Only with DEBUG on, as the people who act are demo logins: Jinja's partner (partner@example.org), SDI's
(partner.sdi@example.org), Habitat for Humanity's (partner.habitat@example.org), the director who approves and the
programme officer who publishes. Everything goes through the services; a second run finds the applications and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from common.records import ensure
from devtools.demo.logins import _ensure_user, staff_login
from grants import services
from grants.models import Application, ApplicationStatus, Call, Facility, Theme
from members.models import Organisation, OrganisationRole, Role, User
from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER

DRAFT_TITLE = "Women's market stalls in Jinja's settlements"
AWARDED_TITLE = "Water kiosks run by women's groups in Jinja"
AWARDED_CODE = "IF-UGA-2025"
CO_APPLICANTS = {
    "SDI": ("partner.sdi@example.org", "SDI Partner Demo"),
    "Habitat for Humanity": ("partner.habitat@example.org", "Habitat for Humanity Partner Demo"),
}


def _partner(organisation: Organisation, email: str, name: str) -> User:
    user = _ensure_user(email, name)
    ensure(OrganisationRole, {"user": user, "organisation": organisation, "role": Role.PARTNER})
    return user


def _draft(call: Call, lead: User, jinja: Organisation, title: str, start: dt.date, amount: str) -> Application:
    application = Application.objects.create(call=call, organisation=jinja, created_by=lead)
    return services.application_save(
        application=application,
        user=lead,
        fields={
            "title": title,
            "summary": "Run with the slum dwellers' federation, which maps the sites and the women who will run "
            "them. (Demo data.)",
            "countries": ["UG"],
            "start_date": start,
            "end_date": start.replace(year=start.year + 2) - dt.timedelta(days=1),
            "requested_amount": Decimal(amount),
            "co_financing": Decimal("15000.00"),
            "expected_results": "Two hundred women earning from the sites they run. (Demo data.)",
        },
        budget_lines=[
            services.BudgetLineInput("works", Decimal(amount) * 7 / 10, "Sites and equipment"),
            services.BudgetLineInput("events", Decimal(amount) * 3 / 10, "Training with the federation"),
        ],
        city_names=["Jinja"],
    )


def _past_call() -> Call:
    call = ensure(
        Call,
        {"reference": "innovation-fund-2025"},
        {
            "title": "Innovation Fund 2025: water and sanitation run by communities",
            "description": "Small grants for services that communities run themselves. (Demo data.)",
            "facility": Facility.objects.get(code="innovation-fund"),
            "opens_at": dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC),
            "closes_at": dt.datetime(2025, 10, 31, 17, 0, tzinfo=dt.UTC),
            "time_zone": "Africa/Kampala",
            "currency": "USD",
            "ceiling": Decimal("150000.00"),
            "envelope": Decimal("1500000.00"),
            "reviews_required": 1,
            "is_published": True,
        },
    )
    call.themes.set(Theme.objects.filter(code__in=["gender-equality", "resilience-climate"]))
    return call


@transaction.atomic
def load_demo_consortia() -> None:
    if not settings.DEBUG:
        return
    jinja = Organisation.objects.get(short_name="Jinja")
    lead = _partner(jinja, "partner@example.org", "Partner Demo")
    sdi_org, habitat_org = (Organisation.objects.get(short_name=name) for name in CO_APPLICANTS)
    sdi = _partner(sdi_org, *CO_APPLICANTS["SDI"])
    _partner(habitat_org, *CO_APPLICANTS["Habitat for Humanity"])  # its login finds the invitation on its home

    open_call = Call.objects.get(reference="innovation-fund-2026")
    if not Application.objects.filter(call=open_call, title=DRAFT_TITLE).exists():
        draft = _draft(open_call, lead, jinja, DRAFT_TITLE, dt.date(2027, 7, 1), "120000.00")
        editor = services.consortium_invite(application=draft, user=lead, organisation=sdi_org, rights="edit")
        services.consortium_accept(member=editor, user=sdi)
        services.consortium_invite(application=draft, user=lead, organisation=habitat_org, rights="view")

    past_call = _past_call()
    if Application.objects.filter(call=past_call, title=AWARDED_TITLE).exists():
        return
    awarded = _draft(past_call, lead, jinja, AWARDED_TITLE, dt.date(2026, 3, 1), "100000.00")
    member = services.consortium_invite(application=awarded, user=lead, organisation=sdi_org, rights="edit")
    services.consortium_accept(member=member, user=sdi)
    # Its submission, screening and review happened while the call was open: the demo starts it in review.
    Application.objects.filter(pk=awarded.pk).update(
        status=ApplicationStatus.IN_REVIEW, submitted_at=dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)
    )
    project = services.application_approve(
        application=awarded,
        user=staff_login(GRANTS_COMMITTEE),
        grant_reference=AWARDED_CODE,
        signed_on=dt.date(2026, 2, 10),
        tranches=[
            services.TrancheSpec(dt.date(2026, 3, 1), percentage=Decimal(60)),
            services.TrancheSpec(dt.date(2027, 3, 1), percentage=Decimal(40)),
        ],
        comment="Approved by the grants committee. (Demo data.)",
        accountable=Organisation.objects.get(short_name="UNOPS"),
        override_reason="The second review was not needed for a grant of this size. (Demo data.)",
    )
    services.project_publish(project=project, user=staff_login(PROGRAMME_OFFICER))
