"""Factories for every model a test arranges."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import factory
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile

from donors import models as donors
from grants import models as grants
from members import models as members
from members.roles import role_group
from results import models as results

# The smallest file that is a PDF by its content.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# A small photo by its content: a PNG of 4 by 3 pixels.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000030802000000"
    "3b9639910000001449444154789c633c51a1c100034c0c4800850300354401"
    "6ef4272f230000000049454e44ae426082"
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("a-long-test-password")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class StaffWithoutPermissionsFactory(UserFactory):
    """A staff account that holds no permission: staff status lets it into the admin, and no further."""

    is_staff = True


def staff_in_role(role: str, **kwargs) -> members.User:
    """A staff account in one role of `members.roles` (its group is made by a migration)."""
    user = StaffWithoutPermissionsFactory(**kwargs)
    user.groups.add(role_group(role))
    return user


class ConstituencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.Constituency
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"constituency-{n}")
    name = factory.Sequence(lambda n: f"Constituency {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = members.OrganisationKind.NGO
    country = "UG"


class BankAccountFactory(factory.django.DjangoModelFactory):
    """A Swiss account in CHF, entered and not yet verified."""

    class Meta:
        model = members.BankAccount

    organisation = factory.SubFactory(OrganisationFactory)
    account_holder = factory.SelfAttribute("organisation.name")
    bank_name = "Banque Cantonale"
    bank_country = "CH"
    iban = "CH9300762011623852957"
    bic = "BCGECHGGXXX"
    currency = "CHF"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.Membership

    organisation = factory.SubFactory(OrganisationFactory)
    constituency = factory.SubFactory(ConstituencyFactory)
    since = dt.date(2015, 1, 1)


class GoverningBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.GoverningBody
        django_get_or_create = ["kind"]

    kind = members.GoverningBodyKind.MANAGEMENT_BOARD
    name = "Management Board"
    seat_count = 12


class SeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.Seat

    body = factory.SubFactory(GoverningBodyFactory)
    number = factory.Sequence(lambda n: n + 13)
    constituency = factory.SubFactory(ConstituencyFactory)


class SeatTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.SeatTerm

    seat = factory.SubFactory(SeatFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    start_date = dt.date(2018, 1, 1)
    end_date = dt.date(2020, 12, 31)


class OrganisationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = members.OrganisationRole

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = members.Role.PARTNER


class FundingWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.FundingWindow
        django_get_or_create = ["code"]

    code = "country-city"
    name = "Country/City Window"


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.Facility
        django_get_or_create = ["code"]

    window = factory.SubFactory(FundingWindowFactory)
    code = "country-programmes"
    name = "Country Programmes"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.Theme

    code = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Theme {n}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.City

    name = factory.Sequence(lambda n: f"City {n}")
    country = "UG"


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.Contribution

    donor = factory.SubFactory(OrganisationFactory, kind=members.OrganisationKind.NATIONAL_GOVERNMENT)
    reference = factory.Sequence(lambda n: f"AGR-{n:04d}")
    title = factory.Sequence(lambda n: f"Agreement {n}")
    amount = Decimal("1000000.00")
    currency = "USD"
    start_date = dt.date(2018, 1, 1)
    end_date = factory.LazyAttribute(lambda o: o.start_date.replace(year=o.start_date.year + 4) - dt.timedelta(days=1))
    status = grants.ContributionStatus.ACTIVE


class ContributionPhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.ContributionPhase

    contribution = factory.SubFactory(ContributionFactory)
    number = 1
    start_date = factory.SelfAttribute("contribution.start_date")
    end_date = factory.SelfAttribute("contribution.end_date")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.Project

    code = factory.Sequence(lambda n: f"PRJ-{n:04d}")
    title = factory.Sequence(lambda n: f"Project {n}")
    facility = factory.SubFactory(FacilityFactory)
    status = grants.ProjectStatus.IMPLEMENTATION
    start_date = dt.date(2019, 1, 1)
    end_date = dt.date(2022, 12, 31)
    currency = "USD"
    approved_budget = Decimal("250000.00")
    # Most tests read the public portfolio; a new project is unpublished unless made so (`is_public=False`).
    is_public = True


class ProjectCountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.ProjectCountry

    project = factory.SubFactory(ProjectFactory)
    country = "UG"
    percentage = Decimal("100")


class ProjectPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.ProjectPartner

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = grants.PartnerRole.IMPLEMENTING


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.ExchangeRate

    currency = "CHF"
    quote_currency = "USD"
    date = dt.date(2013, 1, 1)
    rate = Decimal("1.10")


class GrantAgreementFactory(factory.django.DjangoModelFactory):
    """Signed through `grant_agreement_sign`, so the commitment row and the running total exist too.

    Pass `tranches=[TrancheSpec(...), ...]` for a schedule; they must add up to `amount`. Both sides sign on
    `signed_on` unless `signed=False`, which leaves the agreement awaiting their signatures.
    """

    class Meta:
        model = grants.GrantAgreement

    project = factory.SubFactory(ProjectFactory)
    reference = factory.Sequence(lambda n: f"GA-{n:04d}")
    grantee = factory.SubFactory(OrganisationFactory)
    signed_on = dt.date(2019, 2, 1)
    amount = Decimal("100000.00")
    currency = factory.SelfAttribute("project.currency")
    tranches = ()

    signed = True

    @classmethod
    def _build(cls, model_class, *args, tranches=(), signed=True, **kwargs):
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, tranches=(), currency=None, signed=True, **kwargs):
        from grants.services import grant_agreement_sign

        return grant_agreement_sign(
            tranches=tranches, signatures=both_sides(kwargs["signed_on"]) if signed else (), **kwargs
        )


def both_sides(on: dt.date) -> list:
    """Signatures of both sides of an agreement on one day, for `grant_agreement_sign(signatures=...)`."""
    from grants.services import SignatureInput

    return [
        SignatureInput(side="partner", name="Amina Okello", title="Executive Director", signed_on=on),
        SignatureInput(side="secretariat", name="Julia Moreno", title="Head of Programmes", signed_on=on),
    ]


class TrancheFactory(factory.django.DjangoModelFactory):
    """A tranche on its own, for in-memory builds; signed schedules come from GrantAgreementFactory."""

    class Meta:
        model = grants.Tranche

    agreement = factory.SubFactory(GrantAgreementFactory)
    number = factory.Sequence(lambda n: n + 1)
    planned_date = dt.date(2019, 6, 1)
    amount = Decimal("40000.00")
    condition = ""


class AllocationFactory(factory.django.DjangoModelFactory):
    """Made through `allocation_set`, so the contribution's allocated total follows."""

    class Meta:
        model = grants.Allocation

    contribution = factory.SubFactory(ContributionFactory)
    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("50000.00")
    allocated_on = dt.date(2019, 1, 15)
    note = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from grants.services import allocation_set

        return allocation_set(**kwargs)


class AccountingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.AccountingPeriod

    name = factory.Sequence(lambda n: f"FY{2019 + n}")
    start_date = factory.Sequence(lambda n: dt.date(2019 + n, 1, 1))
    end_date = factory.LazyAttribute(lambda o: o.start_date.replace(month=12, day=31))


class AccountMappingFactory(factory.django.DjangoModelFactory):
    """For any window and currency unless told."""

    class Meta:
        model = grants.AccountMapping

    kind = grants.TransactionKind.DISBURSEMENT
    window = None
    currency = ""
    debit_account = "2100"
    credit_account = "1110"


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def competitive_facility() -> grants.Facility:
    """Calls are for competitive facilities; FacilityFactory's default one is not."""
    return FacilityFactory(code="innovation-programme", name="Innovation Programme", is_competitive=True)


class CallFactory(factory.django.DjangoModelFactory):
    """A published call on a competitive facility, open from a week ago for a month."""

    class Meta:
        model = grants.Call
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"Call for proposals {n}")
    description = "Proposals for inclusive, resilient cities."
    facility = factory.LazyFunction(competitive_facility)
    opens_at = factory.LazyFunction(lambda: _now() - dt.timedelta(days=7))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + dt.timedelta(days=30))
    currency = "USD"
    ceiling = Decimal("100000.00")
    envelope = Decimal("1000000.00")
    is_published = True

    class Params:
        # Concept notes until it closes, then invited full proposals for two months.
        two_stage = factory.Trait(
            kind=grants.CallKind.TWO_STAGE,
            full_proposals_close_at=factory.LazyAttribute(lambda o: o.closes_at + dt.timedelta(days=60)),
        )

    @factory.post_generation
    def themes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.themes.set(extracted)


def call_document_add(
    call: grants.Call, content: bytes = PDF, title: str = "Terms of reference"
) -> grants.CallDocument:
    """A document of the call, its file checked by its content as the admin checks it."""
    document = grants.CallDocument(
        call=call,
        title=title,
        kind=grants.CallDocumentKind.TERMS_OF_REFERENCE,
        file=SimpleUploadedFile("terms.pdf", content),
    )
    document.full_clean()
    document.save()
    return document


class CallQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.CallQuestion

    call = factory.SubFactory(CallFactory)
    label = factory.Sequence(lambda n: f"Question {n}?")
    kind = grants.QuestionKind.SHORT_TEXT
    required = True
    order = factory.Sequence(lambda n: n)


class AssessmentCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.AssessmentCriterion

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("1.00")
    order = factory.Sequence(lambda n: n)


class PartnerUserFactory(UserFactory):
    """A user acting as partner for `organisation` (a new organisation unless one is given)."""

    class Meta:
        skip_postgeneration_save = True

    class Params:
        organisation = factory.SubFactory(OrganisationFactory)

    partner_role = factory.RelatedFactory(
        OrganisationRoleFactory,
        factory_related_name="user",
        organisation=factory.SelfAttribute("..organisation"),
        role=members.Role.PARTNER,
    )


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = grants.BudgetLine

    application = factory.SubFactory("tests.factories.ApplicationFactory")
    category = grants.BudgetCategory.STAFF
    description = ""
    amount = Decimal("10000.00")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft, started by a partner of the organisation; `complete=True` fills it so it can be submitted."""

    class Meta:
        model = grants.Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(PartnerUserFactory, organisation=factory.SelfAttribute("..organisation"))
    status = grants.ApplicationStatus.DRAFT

    class Params:
        complete = factory.Trait(
            title="Slum upgrading in Kampala",
            summary="Upgrading informal settlements with their residents.",
            countries=["UG"],
            start_date=dt.date(2030, 1, 1),
            end_date=dt.date(2031, 12, 31),
            requested_amount=Decimal("80000.00"),
            co_financing=Decimal("20000.00"),
            expected_results="Two settlements upgraded.",
            budget=factory.RelatedFactory(
                BudgetLineFactory,
                factory_related_name="application",
                amount=factory.SelfAttribute("..requested_amount"),
            ),
        )


class ReviewFactory(factory.django.DjangoModelFactory):
    """A reviewer assigned to an application; `submitted=True` makes it a completed review, and
    `scores={criterion: score}` scores it (with a comment per criterion)."""

    class Meta:
        model = grants.ReviewAssignment
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(UserFactory)
    assigned_by = factory.SubFactory(StaffFactory)

    class Params:
        submitted = factory.Trait(
            no_conflict_declared_at=factory.LazyFunction(_now), submitted_at=factory.LazyFunction(_now)
        )

    @factory.post_generation
    def scores(obj, create, extracted, **kwargs):
        for criterion, score in (extracted or {}).items():
            grants.CriterionScore.objects.create(
                review=obj, criterion=criterion, score=score, comment=f"{criterion.name}: scored {score}"
            )


def reviewed(application: grants.Application, count: int | None = None) -> grants.Application:
    """Give the application the completed reviews its call needs (or `count` of them)."""
    for _ in range(application.call.reviews_required if count is None else count):
        ReviewFactory(application=application, submitted=True)
    return application


def schedule_lines(*lines: tuple[str, str, str, str, str, str], prefix: str = "tranches") -> dict[str, str]:
    """The admin's schedule of tranches as posted: (due on, amount, percentage, released by, which, release date)."""
    names = ("planned_date", "amount", "percentage", "kind", "condition", "release_on")
    data = {f"{prefix}-TOTAL_FORMS": str(len(lines)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, line in enumerate(lines):
        data.update({f"{prefix}-{index}-{name}": value for name, value in zip(names, line, strict=True)})
    return data


class EmailAddressFactory(factory.django.DjangoModelFactory):
    """allauth's record of a user's address; verified unless told otherwise."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True


class VerifiedUserFactory(UserFactory):
    """A user whose email address is verified, so they can log in through the site's login page."""

    class Meta:
        skip_postgeneration_save = True

    email_address = factory.RelatedFactory(EmailAddressFactory, factory_related_name="user")


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation, not yet sent nor accepted, from someone who acts for the organisation as partner."""

    class Meta:
        model = members.Invitation
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.org")
    invited_by = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"invitation-token-{n:04d}")

    @factory.post_generation
    def inviter_is_partner(obj, create, extracted, **kwargs):
        if create and obj.invited_by:
            members.OrganisationRole.objects.get_or_create(
                user=obj.invited_by, organisation=obj.organisation, role=members.Role.PARTNER
            )


# The results framework. Periods and project indicators are made through their services, so that
# every indicator has its row in every period, as it has when staff set a project up.


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = results.Outcome
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"OC-{n}")
    title = factory.Sequence(lambda n: f"Outcome {n}")
    order = factory.Sequence(lambda n: n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A count of people, summed; traits for the other kinds of corporate indicator."""

    class Meta:
        model = results.Indicator
        django_get_or_create = ["code"]

    outcome = factory.SubFactory(OutcomeFactory)
    code = factory.Sequence(lambda n: f"IND-{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = results.Unit.COUNT
    counted = results.Counted.PEOPLE
    aggregation = results.Aggregation.SUM
    order = factory.Sequence(lambda n: n)

    class Params:
        by_sex = factory.Trait(disaggregation=results.Disaggregation.SEX)
        highest = factory.Trait(counted=results.Counted.PLANS, aggregation=results.Aggregation.MAXIMUM)
        latest = factory.Trait(counted=results.Counted.MECHANISMS, aggregation=results.Aggregation.LATEST)
        percentage = factory.Trait(
            unit=results.Unit.PERCENTAGE, counted=results.Counted.OTHER, aggregation=results.Aggregation.LATEST
        )
        yes_no = factory.Trait(
            unit=results.Unit.YES_NO, counted=results.Counted.OTHER, aggregation=results.Aggregation.MAXIMUM
        )
        cities = factory.Trait(counted=results.Counted.CITIES, aggregation=results.Aggregation.DISTINCT_CITIES)
        countries = factory.Trait(counted=results.Counted.COUNTRIES, aggregation=results.Aggregation.DISTINCT_COUNTRIES)


class PortfolioTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = results.PortfolioTarget

    indicator = factory.SubFactory(IndicatorFactory)
    year = 2022
    value = Decimal("100")


class ProjectResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = results.ProjectResult

    project = factory.SubFactory(ProjectFactory)
    outcome = factory.SubFactory(OutcomeFactory)
    title = factory.Sequence(lambda n: f"Result {n}")


class ProjectIndicatorFactory(factory.django.DjangoModelFactory):
    """Added through `project_indicator_add`, so it has a row in each of the project's periods."""

    class Meta:
        model = results.ProjectIndicator

    result = factory.SubFactory(ProjectResultFactory)
    project = factory.SelfAttribute("result.project")
    indicator = factory.SubFactory(IndicatorFactory)

    @classmethod
    def _create(cls, model_class, *args, project=None, **kwargs):
        from results.services import project_indicator_add

        return project_indicator_add(**kwargs)


def _next_period_start(project: grants.Project) -> dt.date:
    """The day after the project's last period, or the project's first day."""
    last = project.reporting_periods.order_by("-end_date").first() if project.pk else None
    return last.end_date + dt.timedelta(days=1) if last else project.start_date


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    """The project's next year (cut at its end), due a month later; added through `reporting_period_add`."""

    class Meta:
        model = results.ReportingPeriod

    project = factory.SubFactory(ProjectFactory)
    start_date = factory.LazyAttribute(lambda o: _next_period_start(o.project))
    end_date = factory.LazyAttribute(
        lambda o: min(o.start_date.replace(year=o.start_date.year + 1) - dt.timedelta(days=1), o.project.end_date)
    )
    due_date = factory.LazyAttribute(lambda o: o.end_date + dt.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from results.services import reporting_period_add

        return reporting_period_add(**kwargs)


def with_totp(user: members.User) -> str:
    """Give the user an authenticator app (TOTP); the secret it shares, to compute codes with `totp_code`."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def ready_donor_report(donor: members.Organisation) -> donors.DonorReport:
    """A donor's report on the first quarter of 2025, made: its PDF is stored."""
    return donors.DonorReport.objects.create(
        donor=donor,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        status=donors.ReportJobStatus.READY,
        file=SimpleUploadedFile("report.pdf", PDF),
    )


def project_at_closeout(*, ready: bool = False, **project_fields) -> grants.Project:
    """A grant past its end (2019 to 2022), its grantee its implementing partner: 100,000 committed in two
    tranches (60,000 and 40,000), the first paid, 50,000 reported spent, and its final narrative and financial
    reports approved.

    Left for closeout: the second tranche (40,000 to pay or cancel), 10,000 unspent (to refund or write off) and
    the evaluation. With `ready`, those are done too: the tranche cancelled, the balance refunded, the evaluation
    uploaded; the project can be closed.
    """
    from grants.services import (
        TrancheSpec,
        disbursement_record,
        evaluation_upload,
        expenditure_record,
        refund_record,
        tranche_cancel,
    )
    from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER

    project = ProjectFactory(**project_fields)
    agreement = GrantAgreementFactory(
        project=project,
        tranches=[
            TrancheSpec(planned_date=dt.date(2019, 3, 1), amount=Decimal("60000.00")),
            TrancheSpec(planned_date=dt.date(2020, 3, 1), amount=Decimal("40000.00")),
        ],
    )
    ProjectPartnerFactory(project=project, organisation=agreement.grantee)
    first, second = agreement.tranches.order_by("number")
    disbursement_record(project=project, tranche=first, amount=Decimal("60000.00"), value_date=dt.date(2019, 3, 15))
    expenditure_record(project=project, amount=Decimal("50000.00"), value_date=dt.date(2022, 12, 31))
    for kind in (results.ReportKind.NARRATIVE, results.ReportKind.FINANCIAL):
        period = ReportingPeriodFactory(
            project=project, start_date=dt.date(2022, 1, 1), end_date=dt.date(2022, 12, 31), kind=kind, is_final=True
        )
        results.ProgressReport.objects.create(
            project=project, period=period, status=results.ReportStatus.APPROVED, approved_at=_now()
        )
    if ready:
        committee = staff_in_role(GRANTS_COMMITTEE)
        tranche_cancel(tranche=second, reason="The last phase is not needed", by=committee)
        refund_record(project=project, amount=Decimal("10000.00"), value_date=dt.date(2023, 2, 1))
        evaluation_upload(
            project=project,
            upload=SimpleUploadedFile("evaluation.pdf", PDF),
            by=staff_in_role(PROGRAMME_OFFICER),
        )
    project.refresh_from_db()
    return project
