from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from devtools.generators.portfolio import generate_applications, generate_portfolio
from grants.models import (
    Allocation,
    Application,
    ApplicationStatus,
    Contribution,
    Facility,
    FundingWindow,
    PartnerRole,
    Project,
    Theme,
)
from members.models import Constituency, GoverningBody, GoverningBodyKind, Organisation, User

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_loading_the_demo_twice_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    first = row_counts()
    seco_updated = Contribution.objects.get(reference="SECO-CA-PHASE-1").updated_at

    call_command("load_demo")

    assert row_counts() == first
    assert Contribution.objects.get(reference="SECO-CA-PHASE-1").updated_at == seco_updated
    assert first["grants.Project"] >= 7
    assert first["grants.HistoricalContribution"] == first["grants.Contribution"]


def test_the_demo_holds_the_seco_agreement_exactly_as_published():
    call_command("load_demo")

    seco = Contribution.objects.select_related("donor", "contract_partner").get(reference="SECO-CA-PHASE-1")
    assert seco.donor.short_name == "SECO"
    assert (seco.amount, seco.currency) == (Decimal("4820000.00"), "CHF")
    assert (seco.start_date, seco.end_date) == (dt.date(2013, 10, 1), dt.date(2017, 12, 31))
    assert seco.status == "completed"
    assert seco.contract_partner.name == "United Nations Office for Project Services"
    assert seco.budget_inclusive_of_partners == Decimal("55000000.00")
    assert not seco.is_demo
    phase = seco.phases.get()
    assert (phase.number, phase.start_date, phase.end_date, phase.status) == (
        1,
        dt.date(2013, 10, 1),
        dt.date(2017, 12, 31),
        "completed",
    )


def test_the_demo_holds_the_partnership_structure_from_the_documents():
    call_command("load_demo")

    assert list(Constituency.objects.values_list("name", flat=True)) == [
        "National Governments",
        "Multilateral Institutions",
        "Associations of Local Governments",
        "Non-Governmental Organisations",
        "Private Sector and Foundations",
        "Universities and Knowledge Networks",
    ]
    board = GoverningBody.objects.get(kind=GoverningBodyKind.MANAGEMENT_BOARD)
    assert board.seat_count == 12 and board.seats.count() == 12
    assert set(FundingWindow.objects.values_list("name", flat=True)) == {"Country/City Window", "Global Window"}
    assert Facility.objects.get(code="innovation-fund").window.code == "country-city"
    assert Facility.objects.get(code="joint-work-programmes").window.code == "global"
    assert set(Theme.objects.values_list("name", flat=True)) == {
        "Equitable economic growth",
        "Resilience, cities and climate change",
        "Gender equality and women's empowerment",
        "Cities and migration",
    }
    members = Organisation.objects.filter(memberships__isnull=False)
    for name in ("Slum Dwellers International", "Habitat for Humanity International", "World Bank", "Metropolis"):
        assert members.filter(name=name).exists(), name
    countries = {str(c) for c in Project.objects.values_list("countries__country", flat=True)}
    assert {"GH", "UG", "VN", "LR"} <= countries
    assert Project.objects.filter(cities__name="Monrovia", facility__code="community-upgrading-fund").exists()
    assert Project.objects.filter(cities__name="Jinja", facility__code="community-upgrading-fund").exists()
    assert not Project.objects.filter(is_demo=False).exists()


def test_demo_logins_are_created_only_with_debug_on(settings, capsys):
    settings.DEBUG = False
    call_command("load_demo")
    assert not User.objects.exists()
    assert "no demo logins" in capsys.readouterr().out

    settings.DEBUG = True
    call_command("load_demo")
    output = capsys.readouterr().out
    assert set(User.objects.values_list("email", flat=True)) == {
        "secretariat@example.org",
        "programme@example.org",
        "finance@example.org",
        "director@example.org",
        "donor@example.org",
        "partner@example.org",
        "treasurer.monrovia@example.org",  # asks for the demo's payments (devtools/demo/payments.py)
        "partner.sdi@example.org",  # Jinja's co-applicants (devtools/demo/consortia.py)
        "partner.habitat@example.org",
    }
    assert "donor@example.org" in output and "demo-portfolio" in output
    assert "partner.sdi@example.org" in output and "Slum Dwellers International" in output


def test_the_demo_shows_a_draft_and_a_grant_made_by_consortia(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")  # a second run changes nothing

    consortia = {
        application.title: sorted(application.consortium.values_list("organisation__short_name", "rights", "status"))
        for application in Application.objects.filter(consortium__isnull=False).distinct()
    }
    assert consortia == {
        "Women's market stalls in Jinja's settlements": [
            ("Habitat for Humanity", "view", "invited"),
            ("SDI", "edit", "accepted"),
        ],
        "Water kiosks run by women's groups in Jinja": [("SDI", "edit", "accepted")],
    }
    grant = Project.objects.get(code="IF-UGA-2025")
    assert grant.is_public and set(grant.partners.values_list("organisation__short_name", "role")) == {
        ("Jinja", PartnerRole.IMPLEMENTING),
        ("SDI", PartnerRole.IMPLEMENTING),
        ("UNOPS", PartnerRole.ACCOUNTABLE),
    }


def test_a_generated_portfolio_is_the_same_for_the_same_seed():
    def snapshot():
        return list(
            Project.objects.order_by("code").values_list("code", "facility__code", "approved_budget", "start_date")
        )

    with transaction.atomic():
        generate_portfolio(projects=25, seed=11)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Project.objects.exists()

    generate_portfolio(projects=25, seed=11)

    assert len(first) == 25
    assert snapshot() == first
    assert generate_portfolio(projects=25, seed=11).projects == 0


def test_generate_portfolio_command_reports_what_it_made(capsys):
    call_command("generate_portfolio", projects=12, seed=3)

    assert "Generated 12 projects" in capsys.readouterr().out
    assert Project.objects.filter(code__startswith="G3-").count() == 12


def test_the_generator_pays_tranches_in_as_many_instalments_as_asked():
    few = generate_portfolio(projects=30, seed=21)
    many = generate_portfolio(projects=30, seed=22, payments_per_tranche=(6, 8))

    assert many.transactions > 2 * few.transactions
    for project in Project.objects.filter(code__startswith="G22-"):
        paid = project.transactions.filter(kind=3).aggregate(total=Sum("amount"))["total"] or 0
        assert paid == project.disbursed_total <= project.committed_total


def test_the_generator_has_a_major_donor_funding_every_tenth_project():
    generate_portfolio(projects=100, seed=23)

    funded = Allocation.objects.filter(contribution__reference="G23-C0000-0").values("project").distinct().count()
    assert funded >= 10
    for contribution in Contribution.objects.filter(reference__startswith="G23-"):
        assert contribution.allocations.aggregate(total=Sum("amount"))["total"] or contribution.allocated_total == 0
        assert contribution.allocated_total <= contribution.amount


def test_the_major_donor_funds_every_tenth_project_however_large_the_portfolio():
    # Its other allocations, made at random, once used its whole contribution up before the end.
    generate_portfolio(projects=600, seed=25)

    funded = Allocation.objects.filter(contribution__reference="G25-C0000-0").values("project").distinct()
    tenths = Project.objects.filter(code__in=[f"G25-{i:05d}" for i in range(0, 600, 10)])
    assert tenths.filter(pk__in=funded).count() == 60
    major = Contribution.objects.get(reference="G25-C0000-0")
    assert major.allocations.aggregate(total=Sum("amount"))["total"] == major.allocated_total <= major.amount


def test_applications_are_generated_in_one_call_in_every_status():
    generated = generate_applications(count=120, seed=24)

    applications = Application.objects.filter(call=generated.call)
    assert applications.count() == 120
    assert set(applications.values_list("status", flat=True)) == set(ApplicationStatus.values) - {"shortlisted"}
    mine = Application.objects.filter(organisation__user_roles__user=generated.busiest_partner)
    assert mine.count() == 50


def test_the_demo_shows_a_payment_paid_through_a_run_and_one_waiting_for_its_check(settings):
    from grants.models import PaymentRequestStatus, PaymentRunStatus

    settings.DEBUG = True
    call_command("load_demo")

    from grants.models import PaymentRequest

    requests = PaymentRequest.objects.filter(tranche__agreement__project__code="CUF-LBR-2019").order_by("pk")
    assert [request.status for request in requests] == [PaymentRequestStatus.PAID, PaymentRequestStatus.REQUESTED]
    assert requests[0].run.status == PaymentRunStatus.CONFIRMED
    assert requests[0].disbursement.amount == Decimal("120000.00")
