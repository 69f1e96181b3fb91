"""The permission matrix: every door of the site, for everyone who may knock.

Doors are found, never listed: each URL pattern of the resolver (pages, files, the admin's pages and custom
views), each action of each model admin, and each operation (path and method) of the API's OpenAPI schema.
People are a visitor, two partners and two donors (A and B, of different organisations), a reviewer, a staff
account without permissions, one account per staff role of members/roles.py and a superuser. The addresses
name the portfolio's rows of partner A and donor A, so partner B and donor B are told they do not exist.

What each cell answers comes from one table, `EXPECTED`, below: a door missing from it fails the matrix,
naming it. A page is read (GET); a write (an API operation, an admin action, a form that only takes POST) is
sent empty: those it refuses must be refused with nothing changed in the database; those it lets through may
still refuse the empty body (400).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from grants import services
from grants.agreement_texts import default_agreement_texts_ensure
from grants.models import ApplicationStatus, CallInvitation, EmailTemplate, MessageSide, TransactionKind
from grants.services.amendment_signatures import amendment_signed_copy_upload
from grants.services.amendments import AmendmentTerms, amendment_approve, amendment_request
from grants.services.messages import mailing_send, message_post
from grants.services.updates import PhotoUpload, update_post, update_publish
from members.models import OrganisationKind, Role
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER, ROLES
from members.services import bank_account_verify
from tests import matrix
from tests.factories import (
    PDF,
    PNG,
    AccountingPeriodFactory,
    AccountMappingFactory,
    AllocationFactory,
    ApplicationFactory,
    AssessmentCriterionFactory,
    BankAccountFactory,
    CallFactory,
    CallQuestionFactory,
    CityFactory,
    ContributionFactory,
    ContributionPhaseFactory,
    EmailAddressFactory,
    ExchangeRateFactory,
    GrantAgreementFactory,
    IndicatorFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    PortfolioTargetFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectIndicatorFactory,
    ProjectPartnerFactory,
    ProjectResultFactory,
    ReportingPeriodFactory,
    SeatTermFactory,
    StaffFactory,
    StaffWithoutPermissionsFactory,
    ThemeFactory,
    UserFactory,
    call_document_add,
    ready_donor_report,
    staff_in_role,
    with_totp,
)
from tests.matrix import (
    ANONYMOUS,
    ANY_STAFF,
    DONOR_A,
    DONOR_B,
    ELSEWHERE,
    FORBIDDEN,
    LOGIN,
    MISSING,
    NOBODY,
    NOT_ALLOWED,
    OK,
    PARTNER_A,
    PARTNER_B,
    PUBLIC,
    REVIEWER,
    STAFF_WITHOUT_PERMISSIONS,
    SUPERUSER,
    THROUGH,
    UNAUTHENTICATED,
    AdminModel,
    AllOf,
    AnyOf,
    Door,
    Rule,
    admin_action,
    admin_object,
    admin_page,
    api_own,
    api_read,
    api_signed_in,
    api_write,
    of,
    own,
    page,
    post,
    public,
    readers,
    signed_in,
)
from tests.results.helpers import evidence, submitted

COLUMNS = matrix.columns(ROLES)


# -- The table ---------------------------------------------------------------------------------------------


def api(rule: Rule, lists: tuple[str, Rule] | None = None, **kwargs) -> Door:
    """An API operation; its method and address come from the schema, `kwargs` fill the path's ids. A list
    names the portfolio's row it must show exactly to those who may read it (the read's rule)."""
    return Door(rule, kwargs=kwargs, lists=lists)


def act(permission, *, view) -> Door:
    """An admin action, posted to its model's list with the portfolio's row selected."""
    return Door(admin_action(permission, view=view), method="POST")


def admin_form(permission, *, shown=OK, **kwargs) -> tuple[Door, Door]:
    """An admin page of one act: opened (GET, answering `shown`) and sent (POST) by those holding its
    permission only."""
    return (
        page(admin_page(permission, shown), **kwargs),
        post(admin_page(permission, THROUGH), **kwargs),
    )


def deletes(*labels: str) -> dict[str, Door]:
    """The admin's "delete selected" action of each model: its delete permission, offered to those who view."""
    return {
        matrix.action_key(label, "delete_selected"): act(
            f"{label.split('.')[0]}.delete_{label.split('.')[1]}",
            view=f"{label.split('.')[0]}.view_{label.split('.')[1]}",
        )
        for label in labels
    }


def staff_editable(path: str, model: str, row: str, *, deletable: bool = True) -> dict[str, Door]:
    """An API resource anyone reads (the portfolio's `row` among them) and staff write with the model's add,
    change and (when it is offered) delete permissions."""
    app, name = model.split(".")
    entries = {
        f"GET {path}": api(PUBLIC, lists=(row, PUBLIC)),
        f"POST {path}": api(api_write(f"{app}.add_{name}")),
        f"GET {path}{{id}}/": api(PUBLIC, id=of(row)),
        f"PUT {path}{{id}}/": api(api_write(f"{app}.change_{name}"), id=of(row)),
        f"PATCH {path}{{id}}/": api(api_write(f"{app}.change_{name}"), id=of(row)),
    }
    if deletable:
        entries[f"DELETE {path}{{id}}/"] = api(api_write(f"{app}.delete_{name}"), id=of(row))
    return entries


def anonymous_only(signed_in_answer=ELSEWHERE) -> Rule:
    """Sign-in and sign-up pages: for visitors; whoever is signed in is sent on."""
    return Rule("anonymous_only", lambda who: OK if who.user is None else signed_in_answer)


# Rules that several doors share.
APPLICATION_READ = readers(PARTNER_A, staff="grants.view_application", anonymous=UNAUTHENTICATED)
ORGANISATION_READ = readers(PARTNER_A, staff="members.view_organisation")  # registered only: not public
PROJECT_READ = readers(PARTNER_A, staff="grants.view_project")  # not public: its partners and staff
REPORT_READ = readers(PARTNER_A, staff="results.view_progressreport", anonymous=UNAUTHENTICATED)
TRANSACTION_READ = readers(PARTNER_A, staff="grants.view_transaction")  # of a project that is not public
APPLICATION_STEP = api_own(PARTNER_A, seen_by="grants.view_application")  # a partner's step on its own draft
REPORT_STEP = api_own(PARTNER_A, seen_by="results.view_progressreport")
AMENDMENT_READ = readers(PARTNER_A, staff="grants.view_amendment", anonymous=UNAUTHENTICATED)
DONORS_OWN = own(DONOR_A, staff="donors.view_donorreport")  # a donor's pages: its users and staff who see donors
AGREEMENT_READ = own(PARTNER_A, staff="grants.view_grantagreement")  # the grantee's partners; staff who view
# An invitation-only call: the partners of the organisations it invites and staff who view calls; anyone else 404.
INVITED_CALL_READ = readers(PARTNER_A, staff="grants.view_call")
PARTNER_OWN = own(PARTNER_A)  # the portal: its organisation's partners only (staff work in the admin)
PARTNER_ACT = own(PARTNER_A, answer=THROUGH)
DONOR = {"pk": of("donor_org_a")}
PAYMENT_REQUEST_READ = readers(PARTNER_A, staff="grants.view_paymentrequest", anonymous=UNAUTHENTICATED)
PAYMENT_RUN_READ = readers(staff="grants.view_paymentrun", anonymous=UNAUTHENTICATED)
PAYMENT_REFUSAL = api_write(AnyOf("grants.check_paymentrequest", "grants.approve_paymentrequest"))


def conversation_post(record_permission: str) -> Rule:
    """Writing in a record's conversation through the API: its organisation's partners; staff who read it (holding
    `grants.view_message` and the record's view) answer with `grants.add_message`; anyone else: no such record."""

    def decide(who: matrix.Who):
        if who.user is None:
            return UNAUTHENTICATED
        if who.column == PARTNER_A:
            return THROUGH
        if who.holds(AllOf("grants.view_message", record_permission)):
            return THROUGH if who.holds("grants.add_message") else FORBIDDEN
        return MISSING

    return Rule(f"conversation_post({record_permission})", decide)


EXPECTED: dict[str, Door | tuple[Door, ...] | AdminModel] = {
    # -- Public pages and open data
    "home": page(PUBLIC),
    "health": page(PUBLIC),
    "set_language": (page(public(NOT_ALLOWED)), post(public(ELSEWHERE), {"language": "fr", "next": "/"})),
    "grants:map": page(PUBLIC),
    "grants:project-list": page(PUBLIC),
    "grants:project-detail": (
        page(PUBLIC, code=of("public_project.code")),
        page(PROJECT_READ, code=of("project.code")),  # not published: seen by its partners and staff only
    ),
    "grants:call-list": page(PUBLIC),
    "grants:call-detail": (
        page(PUBLIC, reference=of("call.reference")),
        page(INVITED_CALL_READ, reference=of("invited_call.reference")),  # by invitation: partner A's organisation
    ),
    "grants:call-eligibility": (
        page(PUBLIC, reference=of("call.reference")),
        page(INVITED_CALL_READ, reference=of("invited_call.reference")),
    ),
    "grants:call-document": (
        page(PUBLIC, reference=of("call.reference"), pk=of("call_document")),
        page(INVITED_CALL_READ, reference=of("invited_call.reference"), pk=of("invited_call_document")),
    ),
    "results:portfolio": page(PUBLIC),
    "opendata:index": page(PUBLIC),
    "opendata:activities": page(PUBLIC),
    "opendata:activity": (
        page(PUBLIC, code=of("public_project.code")),
        page(public(MISSING), code=of("project.code")),
    ),
    "opendata:organisation": page(PUBLIC),
    "api:schema": page(PUBLIC),
    "api:api-root": page(PUBLIC),
    "api:docs": page(PUBLIC),
    "api:redoc": page(PUBLIC),
    "api:not-found": Door(public(MISSING), path="/api/v1/nowhere/"),
    # -- The partner portal: applications, files, reviews, progress reports
    "grants:dashboard": page(signed_in()),
    "grants:application-start": post(
        PARTNER_ACT, {"organisation": of("partner_org_a")}, reference=of("call.reference")
    ),
    "grants:application": page(PARTNER_OWN, pk=of("application")),
    "grants:application-review": page(own(PARTNER_A, answer=ELSEWHERE), pk=of("application")),  # submitted: to its page
    "grants:application-pdf": page(PARTNER_OWN, pk=of("application")),
    "grants:attachment-upload": post(PARTNER_ACT, pk=of("application")),
    "grants:attachment-remove": post(PARTNER_ACT, pk=of("attachment")),
    "grants:city-suggestions": page(signed_in()),
    "grants:application-withdraw": post(PARTNER_ACT, pk=of("application")),
    # -- Consortia (issue 17, point 5): partner A leads the application, invites and removes co-applicants; it is
    # itself invited to another organisation's draft and answers. Partner B is outside both: 404.
    "grants:consortium-invite": post(PARTNER_ACT, pk=of("application")),
    "grants:consortium-remove": post(PARTNER_ACT, pk=of("consortium_member")),
    "grants:consortium-accept": post(PARTNER_ACT, pk=of("consortium_invitation")),
    "grants:consortium-decline": post(PARTNER_ACT, pk=of("consortium_invitation")),
    "grants:organisation-suggestions": page(signed_in()),
    "grants:attachment": page(own(PARTNER_A, REVIEWER, staff="grants.view_attachment"), pk=of("attachment")),
    "grants:review-queue": page(signed_in()),
    "grants:review": page(own(REVIEWER), pk=of("review")),
    "results:reports": page(signed_in()),
    "results:report-start": post(PARTNER_ACT, pk=of("period")),
    "results:report": page(PARTNER_OWN, pk=of("report")),
    "results:evidence-upload": post(PARTNER_ACT, pk=of("report")),
    "results:report-autosave": post(PARTNER_ACT, pk=of("report")),
    "results:evidence-remove": post(PARTNER_ACT, pk=of("evidence")),
    "results:evidence": page(own(PARTNER_A, staff="results.view_evidence"), pk=of("evidence")),
    "members:organisation-list": page(signed_in().but({REVIEWER: ELSEWHERE})),  # acts for none: to onboarding
    "members:onboarding": page(signed_in(ELSEWHERE).but({REVIEWER: OK})),  # for those who act for none
    "members:organisation": page(PARTNER_OWN, pk=of("partner_org_a")),
    "members:invite": post(PARTNER_ACT, pk=of("partner_org_a")),
    "members:invitation": page(PUBLIC, token=of("invitation.token")),  # the token is the key
    # -- Donor pages
    "donors:landing": page(own(staff="donors.view_donorreport").but({DONOR_A: ELSEWHERE, DONOR_B: ELSEWHERE})),
    "donors:dashboard": page(DONORS_OWN, **DONOR),
    "donors:project-list": page(DONORS_OWN, **DONOR),
    "donors:project": page(DONORS_OWN, **DONOR, code=of("project.code")),
    "donors:breakdown-csv": page(DONORS_OWN, **DONOR, dimension="window"),
    "donors:contributions-csv": page(DONORS_OWN, **DONOR),
    "donors:results-csv": page(DONORS_OWN, **DONOR),
    "donors:reports": page(DONORS_OWN, **DONOR),
    "donors:report-status": page(DONORS_OWN, **DONOR, report_id=of("donor_report")),
    "donors:report-pdf": page(DONORS_OWN, **DONOR, report_id=of("donor_report")),
    # -- Accounts (django-allauth)
    "account_login": page(anonymous_only()),
    "account_logout": page(signed_in().but({ANONYMOUS: ELSEWHERE})),
    "account_inactive": page(PUBLIC),
    "account_signup": page(anonymous_only()),
    "account_reauthenticate": page(signed_in()),
    "account_request_reauthentication_code": page(signed_in()),
    "account_confirm_reauthentication_code": page(signed_in(ELSEWHERE)),  # no code asked for: to ask for one
    "account_email": page(signed_in()),
    "account_email_verification_sent": page(PUBLIC),
    "account_change_password": page(signed_in()),
    "account_set_password": page(signed_in(ELSEWHERE)),  # they have one: to its change
    "account_reset_password": page(PUBLIC),
    "account_confirm_login_code": page(signed_in(ELSEWHERE)),  # no code sent: nothing to confirm
    "account_confirm_email": page(PUBLIC, key="no-such-key"),
    "account_reset_password_from_key_done": page(PUBLIC),
    "account_reset_password_from_key": page(PUBLIC, uidb36="1", key="no-such-key"),
    "account_reset_password_done": page(PUBLIC),
    # Two-factor authentication: each account's own; a change asks for the password again first. Partner A
    # has an authenticator app, the others none.
    "mfa_index": page(signed_in()),
    "mfa_authenticate": page(signed_in(ELSEWHERE)),  # only in the middle of signing in
    "mfa_reauthenticate": page(signed_in(ELSEWHERE).but({PARTNER_A: OK})),
    "mfa_activate_totp": page(signed_in(ELSEWHERE)),
    "mfa_deactivate_totp": page(signed_in(MISSING).but({PARTNER_A: ELSEWHERE})),
    "mfa_view_recovery_codes": page(signed_in(MISSING)),
    "mfa_generate_recovery_codes": page(signed_in(ELSEWHERE)),
    "mfa_download_recovery_codes": page(signed_in(MISSING)),
    # -- The admin site itself
    "admin:index": page(admin_page(ANY_STAFF)),
    "admin:login": page(
        Rule("admin login", lambda who: LOGIN if who.user is None else ELSEWHERE if who.is_staff else FORBIDDEN)
    ),
    "admin:logout": page(Rule("admin logout", lambda who: NOT_ALLOWED if who.is_staff else ELSEWHERE)),
    "admin:password_change": page(admin_page(ANY_STAFF)),
    "admin:password_change_done": page(admin_page(ANY_STAFF)),
    "admin:jsi18n": page(admin_page(ANY_STAFF)),
    "admin:app_list": page(admin_page("grants.view_project", refused=MISSING), app_label="grants"),
    "admin:autocomplete": Door(
        admin_page("grants.view_facility"),
        query={"app_label": "grants", "model_name": "project", "field_name": "facility"},
    ),
    "admin:view_on_site": page(
        admin_page(ANY_STAFF, ELSEWHERE), content_type_id=of("project_type"), object_id=of("public_project")
    ),
    "admin/(?P<url>.*)$": Door(admin_page(ANY_STAFF, MISSING), path="/admin/nowhere/"),
    # -- The admin's own views: each act's permission
    "admin:auth_user_password_change": page(admin_page("members.change_user"), id=admin_object("members.user")),
    "admin:grants_grantagreement_add": admin_form("grants.add_grantagreement"),  # signing replaces Django's add
    "admin:grants_call_ranking": page(admin_page("grants.view_ranking"), pk=of("call")),
    "admin:grants_application_assign": admin_form("grants.assign_reviewer", pk=of("application")),
    "admin:grants_application_approve": admin_form("grants.decide_application", pk=of("application")),
    "admin:grants_application_shortlist": admin_form("grants.shortlist_application", pk=of("application")),
    "admin:grants_application_pdf": Door(admin_page("grants.view_application"), kwargs={"pk": of("application")}),
    "admin:grants_tranche_disburse": admin_form("grants.add_transaction", pk=of("tranche")),
    "admin:grants_tranche_condition_met": admin_form("grants.change_tranche", pk=of("tranche")),
    "admin:grants_accountingperiod_journal": (  # its buttons on the period's page
        page(admin_page("grants.export_journal"), pk=admin_object("grants.accountingperiod"), file_format="csv"),
        page(admin_page("grants.export_journal"), pk=admin_object("grants.accountingperiod"), file_format="xlsx"),
    ),
    "admin:grants_project_publish": (  # its button on the project's page, which posts
        page(admin_page(ANY_STAFF, NOT_ALLOWED), pk=of("project")),
        post(admin_page("grants.publish_project", THROUGH), pk=of("project")),
    ),
    "admin:grants_project_record": page(admin_page("grants.view_project"), object_id=of("project")),
    # -- Closeout (issue 16, point 5): the project's closeout page and its acts, the partner's page, the API
    "admin:grants_project_closeout": page(admin_page("grants.view_project"), pk=of("project")),
    "admin:grants_project_close": (  # buttons of the closeout page, which post
        page(admin_page(ANY_STAFF, NOT_ALLOWED), pk=of("project")),
        post(admin_page("grants.close_project", THROUGH), pk=of("project")),
    ),
    "admin:grants_project_reopen": (
        page(admin_page(ANY_STAFF, NOT_ALLOWED), pk=of("project")),
        post(admin_page("grants.close_project", THROUGH), pk=of("project")),
    ),
    "admin:grants_project_evaluation": (
        page(admin_page(ANY_STAFF, NOT_ALLOWED), pk=of("project")),
        post(admin_page("grants.change_closeout", THROUGH), pk=of("project")),
    ),
    "admin:grants_project_evaluation_file": page(admin_page("grants.view_closeout"), pk=of("project")),
    "admin:grants_project_refund": admin_form("grants.add_transaction", pk=of("project")),
    "admin:grants_project_write_off": admin_form("grants.write_off_balance", pk=of("project")),
    "admin:grants_tranche_cancel": admin_form("grants.cancel_tranche", pk=of("tranche")),
    "grants:project-closeout": page(PARTNER_OWN, code=of("project.code")),
    "GET /api/v1/projects/{id}/closeout/": api(readers(PARTNER_A, staff="grants.view_closeout"), id=of("project")),
    "POST /api/v1/projects/{id}/close/": api(api_write("grants.close_project"), id=of("project")),
    "POST /api/v1/projects/{id}/reopen/": api(api_write("grants.close_project"), id=of("project")),
    "admin:grants_contribution_record": page(admin_page("grants.view_contribution"), object_id=of("contribution_a")),
    "admin:results_progressreport_approve": admin_form(
        "results.review_progressreport", shown=NOT_ALLOWED, pk=of("report")
    ),
    "admin:results_progressreport_return": admin_form(
        "results.review_progressreport", shown=NOT_ALLOWED, pk=of("report")
    ),
    "admin:results_progressreport_evidence": page(
        admin_page("results.view_evidence"), pk=of("report"), evidence_pk=of("evidence")
    ),
    # -- Reporting requirements (issue 16, point 3): plan an agreement's reports from its record page (a button that
    # posts), and the overdue reports by partner.
    "admin:results_reportingperiod_plan": admin_form(
        "results.add_reportingperiod", shown=NOT_ALLOWED, project_pk=of("project")
    ),
    "admin:results_reportingperiod_overdue": page(admin_page("results.view_reportingperiod")),
    "admin:donors_donorreport_request": admin_form("donors.request_donorreport"),
    "admin:donors_donorreport_pdf": page(admin_page("donors.view_donorreport"), pk=of("donor_report")),
    "admin:donors_donorreport_progress": page(admin_page("donors.view_donorreport"), pk=of("donor_report")),
    "admin:donors_donorreport_status": page(admin_page("donors.view_donorreport"), pk=of("donor_report")),
    "opendata:import": admin_form("grants.import_iati"),
    # -- Other publishers' IATI activities (issue 19, point 6): upload, map, import, by its own act.
    "opendata:import-foreign": admin_form("grants.import_foreign_iati"),
    # -- The admin's pages of each model (list, add, record, delete, history, revert, import, export): Django's
    # permission of each unless said. NOBODY: a record kept by services, never added, changed or deleted here.
    "admin auth.group": AdminModel("auth.group"),
    "admin account.emailaddress": AdminModel("account.emailaddress"),
    "admin mfa.authenticator": AdminModel("mfa.authenticator"),
    "admin members.user": AdminModel("members.user", add=AllOf("members.add_user", "members.change_user")),
    "admin members.constituency": AdminModel("members.constituency"),
    "admin members.organisation": AdminModel("members.organisation"),
    "admin members.membership": AdminModel("members.membership"),
    "admin members.governingbody": AdminModel("members.governingbody"),
    "admin members.seat": AdminModel("members.seat"),
    "admin members.seatterm": AdminModel("members.seatterm"),
    "admin members.organisationrole": AdminModel("members.organisationrole"),
    "admin authtoken.tokenproxy": AdminModel("authtoken.tokenproxy"),
    "admin grants.fundingwindow": AdminModel("grants.fundingwindow"),
    "admin grants.facility": AdminModel("grants.facility"),
    "admin grants.theme": AdminModel("grants.theme"),
    "admin grants.city": AdminModel("grants.city"),
    "admin grants.contribution": AdminModel("grants.contribution"),
    "admin grants.contributionphase": AdminModel("grants.contributionphase"),
    "admin grants.project": AdminModel("grants.project"),
    "admin grants.projectcountry": AdminModel("grants.projectcountry"),
    "admin grants.projectpartner": AdminModel("grants.projectpartner"),
    "admin grants.exchangerate": AdminModel("grants.exchangerate"),
    "admin grants.call": AdminModel("grants.call"),
    "admin grants.application": AdminModel("grants.application", add=NOBODY, delete=NOBODY),
    "admin grants.reviewassignment": AdminModel("grants.reviewassignment", add=NOBODY, change=NOBODY, delete=NOBODY),
    "admin grants.grantagreement": AdminModel("grants.grantagreement", change=NOBODY, delete=NOBODY),
    "admin grants.tranche": AdminModel("grants.tranche", add=NOBODY, change=NOBODY, delete=NOBODY),
    "admin grants.transaction": AdminModel(
        "grants.transaction", add=NOBODY, change=NOBODY, delete=NOBODY, imports="grants.add_transaction"
    ),
    "admin grants.allocation": AdminModel("grants.allocation", delete=NOBODY),
    "admin grants.accountingperiod": AdminModel("grants.accountingperiod"),
    "admin grants.accountmapping": AdminModel("grants.accountmapping"),
    "admin results.outcome": AdminModel(
        "results.outcome", imports=AllOf("results.add_outcome", "results.change_outcome")
    ),
    "admin results.indicator": AdminModel(
        "results.indicator", imports=AllOf("results.add_indicator", "results.change_indicator")
    ),
    "admin results.portfoliotarget": AdminModel(
        "results.portfoliotarget", imports=AllOf("results.add_portfoliotarget", "results.change_portfoliotarget")
    ),
    # Its indicator has reported values: neither is deleted.
    "admin results.projectresult": AdminModel("results.projectresult", delete=NOBODY),
    "admin results.projectindicator": AdminModel("results.projectindicator", delete=NOBODY),
    "admin results.reportingperiod": AdminModel("results.reportingperiod"),
    "admin results.progressreport": AdminModel("results.progressreport", add=NOBODY, change=NOBODY, delete=NOBODY),
    "admin donors.donorreport": AdminModel("donors.donorreport", add=NOBODY, change=NOBODY),
    # -- The agreement document (issue 16, point 1): the grantee's partners and staff who view agreements read it;
    # the grants committee records signatures and the signed copy, and keeps the agreement texts
    "grants:agreement": page(AGREEMENT_READ, code=of("project.code")),
    "grants:agreement-document": page(AGREEMENT_READ, code=of("project.code"), language="en"),
    "grants:agreement-signed-copy": page(AGREEMENT_READ, code=of("project.code")),
    "admin:grants_grantagreement_document": page(
        admin_page("grants.view_grantagreement"), pk=of("agreement"), language="fr"
    ),
    "admin:grants_grantagreement_signature": admin_form("grants.sign_grantagreement", pk=of("agreement")),
    "admin:grants_grantagreement_signed_copy": admin_form("grants.sign_grantagreement", pk=of("agreement")),
    "admin:grants_grantagreement_signed_copy_download": page(
        admin_page("grants.view_grantagreement"), pk=of("agreement")
    ),
    "admin grants.agreementtemplate": AdminModel("grants.agreementtemplate"),
    **deletes("grants.agreementtemplate"),
    "GET /api/v1/projects/{id}/agreement/document/": api(
        readers(PARTNER_A, staff="grants.view_grantagreement"), id=of("project")
    ),
    "GET /api/v1/projects/{id}/agreement/signed-copy/": api(
        readers(PARTNER_A, staff="grants.view_grantagreement"), id=of("project")
    ),
    # -- Admin actions
    **deletes(
        "auth.group",
        "account.emailaddress",
        "mfa.authenticator",
        "members.user",
        "members.constituency",
        "members.organisation",
        "members.membership",
        "members.governingbody",
        "members.seat",
        "members.seatterm",
        "members.organisationrole",
        "grants.call",
        "grants.accountingperiod",
        "grants.accountmapping",
        "grants.fundingwindow",
        "grants.facility",
        "grants.theme",
        "grants.city",
        "grants.contribution",
        "grants.contributionphase",
        "grants.project",
        "grants.projectcountry",
        "grants.projectpartner",
        "grants.exchangerate",
        "results.outcome",
        "results.indicator",
        "results.portfoliotarget",
        "results.reportingperiod",
        "donors.donorreport",
    ),
    "action account.emailaddress make_verified": act("account.change_emailaddress", view="account.view_emailaddress"),
    "action grants.application to_screening": act("grants.screen_application", view="grants.view_application"),
    "action grants.application to_review": act("grants.screen_application", view="grants.view_application"),
    "action grants.application shortlist": act("grants.shortlist_application", view="grants.view_application"),
    "action grants.application reject": act(
        AnyOf("grants.screen_application", "grants.decide_application"), view="grants.view_application"
    ),
    "action grants.tranche mark_condition_met": act("grants.change_tranche", view="grants.view_tranche"),
    "action grants.transaction reverse_transactions": act("grants.reverse_transaction", view="grants.view_transaction"),
    "action grants.accountingperiod close_periods": act(
        "grants.close_accountingperiod", view="grants.view_accountingperiod"
    ),
    "action grants.project publish": act("grants.publish_project", view="grants.view_project"),
    "action grants.project unpublish": act("grants.publish_project", view="grants.view_project"),
    "action grants.city confirm": act("grants.change_city", view="grants.view_city"),
    "action results.progressreport approve_reports": act(
        "results.review_progressreport", view="results.view_progressreport"
    ),
    "action donors.donorreport make_again": act("donors.request_donorreport", view="donors.view_donorreport"),
    # -- The API. Reads show what the public pages show, a partner's own rows and all to staff who view them;
    # writes need the permission of their act.
    "GET /api/v1/accounting-periods/{id}/journal/": api(
        api_read("grants.export_journal"), id=admin_object("grants.accountingperiod")
    ),
    "GET /api/v1/applications/": api(api_signed_in(OK), lists=("application", APPLICATION_READ)),
    "POST /api/v1/applications/": api(api_signed_in()),  # for an organisation the partner acts for
    "GET /api/v1/applications/{id}/": api(APPLICATION_READ, id=of("application")),
    "PATCH /api/v1/applications/{id}/": api(APPLICATION_STEP, id=of("application")),
    "POST /api/v1/applications/{id}/attachments/": api(APPLICATION_STEP, id=of("application")),
    "POST /api/v1/applications/{id}/submit/": api(APPLICATION_STEP, id=of("application")),
    "POST /api/v1/applications/{id}/withdraw/": api(APPLICATION_STEP, id=of("application")),
    "POST /api/v1/applications/{id}/screen/": api(
        api_write(AnyOf("grants.screen_application", "grants.decide_application", "grants.shortlist_application")),
        id=of("application"),
    ),
    "POST /api/v1/applications/{id}/shortlist/": api(api_write("grants.shortlist_application"), id=of("application")),
    **staff_editable("/api/v1/calls/", "grants.call", "call"),
    **staff_editable("/api/v1/constituencies/", "members.constituency", "constituency"),
    **staff_editable("/api/v1/contributions/", "grants.contribution", "contribution_a", deletable=False),
    "POST /api/v1/contributions/{id}/allocate/": api(api_write("grants.add_allocation"), id=of("contribution_a")),
    **staff_editable("/api/v1/facilities/", "grants.facility", "facility"),
    **staff_editable("/api/v1/indicators/", "results.indicator", "indicator"),
    **staff_editable("/api/v1/themes/", "grants.theme", "theme"),
    **staff_editable("/api/v1/windows/", "grants.fundingwindow", "window"),
    "GET /api/v1/me/token/": api(api_signed_in(OK)),  # each account's own token
    "POST /api/v1/me/token/": api(api_signed_in()),
    "DELETE /api/v1/me/token/": api(api_signed_in()),
    "GET /api/v1/organisations/": api(PUBLIC, lists=("partner_org_a", ORGANISATION_READ)),
    "POST /api/v1/organisations/": api(api_write("members.add_organisation")),
    "GET /api/v1/organisations/{id}/": api(ORGANISATION_READ, id=of("partner_org_a")),
    "PUT /api/v1/organisations/{id}/": api(api_write("members.change_organisation"), id=of("partner_org_a")),
    "PATCH /api/v1/organisations/{id}/": api(api_write("members.change_organisation"), id=of("partner_org_a")),
    "GET /api/v1/portfolio-progress/": api(PUBLIC),
    "GET /api/v1/projects/": api(PUBLIC, lists=("project", PROJECT_READ)),
    "POST /api/v1/projects/": api(api_write("grants.add_project")),
    "GET /api/v1/projects/{id}/": api(PROJECT_READ, id=of("project")),
    "PUT /api/v1/projects/{id}/": api(api_write("grants.change_project"), id=of("project")),
    "PATCH /api/v1/projects/{id}/": api(api_write("grants.change_project"), id=of("project")),
    "GET /api/v1/projects/{id}/agreement/": api(PROJECT_READ, id=of("project")),
    "POST /api/v1/projects/{id}/agreement/": api(api_write("grants.add_grantagreement"), id=of("project")),
    "POST /api/v1/projects/{id}/publish/": api(api_write("grants.publish_project"), id=of("project")),
    "POST /api/v1/projects/{id}/unpublish/": api(api_write("grants.publish_project"), id=of("project")),
    "POST /api/v1/projects/{id}/periods/": api(api_write("results.add_reportingperiod"), id=of("project")),
    "PUT /api/v1/projects/{id}/periods/{period}/targets/": api(
        api_write("results.change_indicatorperiod"), id=of("project"), period=of("period")
    ),
    "GET /api/v1/projects/{id}/results/": api(PROJECT_READ, id=of("project")),
    "POST /api/v1/projects/{id}/results/": api(api_write("results.add_projectresult"), id=of("project")),
    "GET /api/v1/reports/": api(api_signed_in(OK), lists=("report", REPORT_READ)),
    "POST /api/v1/reports/": api(api_signed_in()),  # for a period of the partner's own projects
    "GET /api/v1/reports/{id}/": api(REPORT_READ, id=of("report")),
    "PATCH /api/v1/reports/{id}/": api(REPORT_STEP, id=of("report")),
    "POST /api/v1/reports/{id}/submit/": api(REPORT_STEP, id=of("report")),
    "POST /api/v1/reports/{id}/evidence/": api(REPORT_STEP, id=of("report")),
    "POST /api/v1/reports/{id}/approve/": api(api_write("results.review_progressreport"), id=of("report")),
    "POST /api/v1/reports/{id}/return/": api(api_write("results.review_progressreport"), id=of("report")),
    "GET /api/v1/transactions/": api(PUBLIC, lists=("transaction", TRANSACTION_READ)),
    "POST /api/v1/transactions/": api(api_write("grants.add_transaction")),
    "GET /api/v1/transactions/{id}/": api(TRANSACTION_READ, id=of("transaction")),
    "POST /api/v1/transactions/{id}/reverse/": api(api_write("grants.reverse_transaction"), id=of("transaction")),
    # -- Payment requests and runs (issue 16, point 4): a partner asks on its grant's payments page and keeps its
    # bank accounts; programme officers check, finance officers approve, verify accounts and run payments.
    "grants:payments": page(PARTNER_OWN, code=of("eur_project.code")),
    "grants:payment-request-create": post(PARTNER_ACT, {"tranche": of("eur_tranche")}, code=of("eur_project.code")),
    "grants:payment-request-withdraw": post(PARTNER_ACT, pk=of("payment_request")),
    "members:bank-accounts": page(PARTNER_OWN, pk=of("partner_org_a")),
    "members:bank-account": page(PARTNER_OWN, pk=of("partner_org_a"), account=of("bank_account")),
    "admin:grants_paymentrequest_check": admin_form("grants.check_paymentrequest", pk=of("payment_request")),
    "admin:grants_paymentrequest_approve": admin_form("grants.approve_paymentrequest", pk=of("payment_request")),
    "admin:grants_paymentrun_file": page(admin_page("grants.view_paymentrun"), pk=of("payment_run"), kind="csv"),
    "admin:grants_paymentrun_send": post(admin_page("grants.add_paymentrun", THROUGH), pk=of("payment_run")),
    "admin:grants_paymentrun_confirm": admin_form("grants.confirm_paymentrun", pk=of("payment_run")),
    "admin grants.paymentrequest": AdminModel("grants.paymentrequest", add=NOBODY, change=NOBODY, delete=NOBODY),
    "admin grants.paymentrun": AdminModel("grants.paymentrun", add=NOBODY, change=NOBODY, delete=NOBODY),
    "admin members.bankaccount": AdminModel("members.bankaccount", add=NOBODY, change=NOBODY, delete=NOBODY),
    "action grants.paymentrequest make_payment_run": act("grants.add_paymentrun", view="grants.view_paymentrequest"),
    "action members.bankaccount verify_accounts": act("members.verify_bankaccount", view="members.view_bankaccount"),
    "GET /api/v1/payment-requests/": api(api_signed_in(OK), lists=("payment_request", PAYMENT_REQUEST_READ)),
    "POST /api/v1/payment-requests/": api(api_signed_in()),  # for a tranche of the partner's own grant
    "GET /api/v1/payment-requests/{id}/": api(PAYMENT_REQUEST_READ, id=of("payment_request")),
    "POST /api/v1/payment-requests/{id}/withdraw/": api(
        api_own(PARTNER_A, seen_by="grants.view_paymentrequest"), id=of("payment_request")
    ),
    "POST /api/v1/payment-requests/{id}/check/": api(
        api_write("grants.check_paymentrequest"), id=of("payment_request")
    ),
    "POST /api/v1/payment-requests/{id}/approve/": api(
        api_write("grants.approve_paymentrequest"), id=of("payment_request")
    ),
    "POST /api/v1/payment-requests/{id}/return/": api(PAYMENT_REFUSAL, id=of("payment_request")),
    "POST /api/v1/payment-requests/{id}/decline/": api(PAYMENT_REFUSAL, id=of("payment_request")),
    "GET /api/v1/payment-runs/": api(api_signed_in(OK), lists=("payment_run", PAYMENT_RUN_READ)),
    "GET /api/v1/payment-runs/{id}/": api(PAYMENT_RUN_READ, id=of("payment_run")),
    "GET /api/v1/payment-runs/{id}/file.csv/": api(PAYMENT_RUN_READ, id=of("payment_run")),
    "GET /api/v1/payment-runs/{id}/file.xlsx/": api(PAYMENT_RUN_READ, id=of("payment_run")),
    "GET /api/v1/payment-runs/{id}/file.xml/": api(PAYMENT_RUN_READ, id=of("payment_run")),
    # -- Amendments (issue 16, point 2): the grantee's partners in the portal, the committee decides
    "grants:amendments": page(PARTNER_OWN, code=of("project.code")),
    "grants:amendment-new": page(PARTNER_OWN, code=of("project.code"), kind="no_cost_extension"),
    "grants:versions": page(PARTNER_OWN, code=of("project.code")),
    "grants:amendment-withdraw": post(PARTNER_ACT, pk=of("amendment")),
    "admin:grants_amendment_request": admin_form("grants.add_amendment", agreement=of("agreement")),
    "admin:grants_amendment_decide": admin_form("grants.decide_amendment", pk=of("amendment")),
    "admin:grants_amendment_versions": page(admin_page("grants.view_grantagreement"), agreement=of("agreement")),
    "admin grants.amendment": AdminModel("grants.amendment", add=NOBODY, change=NOBODY, delete=NOBODY),
    "GET /api/v1/amendments/": api(api_signed_in(OK), lists=("amendment", AMENDMENT_READ)),
    "POST /api/v1/amendments/": api(api_signed_in()),  # for an agreement the partner's organisation holds
    "GET /api/v1/amendments/{id}/": api(AMENDMENT_READ, id=of("amendment")),
    # -- Amendments to sign (issue 17, point 3): the letter and the signed copy read like the amendment; the
    # secretariat records signatures and the signed copy with the act of signing agreements
    "grants:amendment-letter": page(PARTNER_OWN, pk=of("amendment")),
    "grants:amendment-signed-copy": page(PARTNER_OWN, pk=of("amendment")),
    "admin:grants_amendment_letter": page(admin_page("grants.view_amendment"), pk=of("amendment")),
    "admin:grants_amendment_signed_copy_download": page(admin_page("grants.view_amendment"), pk=of("amendment")),
    "admin:grants_amendment_signature": admin_form("grants.sign_grantagreement", pk=of("amendment")),
    "admin:grants_amendment_signed_copy": admin_form("grants.sign_grantagreement", pk=of("amendment")),
    "POST /api/v1/amendments/{id}/signatures/": api(api_write("grants.sign_grantagreement"), id=of("amendment")),
    # -- Conversations and bulk e-mail (issue 17, point 6): the record's organisation in the portal, staff who read
    # messages in the admin (programme officers and the committee answer), programme officers e-mail a call's
    # applicants from templates they keep.
    "grants:application-messages": (
        page(PARTNER_OWN, pk=of("application")),
        post(PARTNER_ACT, pk=of("application")),
    ),
    "grants:project-messages": (
        page(PARTNER_OWN, code=of("project.code")),
        post(PARTNER_ACT, code=of("project.code")),
    ),
    "grants:message-file": page(
        own(PARTNER_A, staff=AllOf("grants.view_message", "grants.view_application")), pk=of("message_file")
    ),
    "admin:grants_application_messages": (
        page(admin_page("grants.view_message"), pk=of("application")),
        post(admin_page("grants.add_message", THROUGH), pk=of("application")),
    ),
    "admin:grants_project_messages": (
        page(admin_page("grants.view_message"), pk=of("project")),
        post(admin_page("grants.add_message", THROUGH), pk=of("project")),
    ),
    "admin:grants_call_mailing": admin_form("grants.add_mailing", pk=of("call")),
    "admin grants.emailtemplate": AdminModel("grants.emailtemplate"),
    **deletes("grants.emailtemplate"),
    "admin grants.mailing": AdminModel("grants.mailing", add=NOBODY, change=NOBODY, delete=NOBODY),
    "action grants.mailing retry_failed": act("grants.add_mailing", view="grants.view_mailing"),
    "GET /api/v1/applications/{id}/messages/": api(
        readers(PARTNER_A, staff=AllOf("grants.view_message", "grants.view_application"), anonymous=UNAUTHENTICATED),
        id=of("application"),
    ),
    "POST /api/v1/applications/{id}/messages/": api(conversation_post("grants.view_application"), id=of("application")),
    "GET /api/v1/projects/{id}/messages/": api(
        readers(PARTNER_A, staff=AllOf("grants.view_message", "grants.view_project"), anonymous=UNAUTHENTICATED),
        id=of("project"),
    ),
    "POST /api/v1/projects/{id}/messages/": api(conversation_post("grants.view_project"), id=of("project")),
    "POST /api/v1/amendments/{id}/withdraw/": api(
        api_own(PARTNER_A, seen_by="grants.view_amendment"), id=of("amendment")
    ),
    "POST /api/v1/amendments/{id}/approve/": api(api_write("grants.decide_amendment"), id=of("amendment")),
    "POST /api/v1/amendments/{id}/decline/": api(api_write("grants.decide_amendment"), id=of("amendment")),
    # -- Project updates (issue 19, point 4): a project's partners post them in the portal and the API; programme
    # officers publish or reject them; the public reads the published ones. A photo of an update not published yet
    # is for the posting organisation and staff who see updates only.
    "grants:update-list": page(PUBLIC),
    "grants:update-feed": page(PUBLIC),
    "grants:update-photo": (
        page(PUBLIC, pk=of("public_update_photo"), variant="thumbnail"),
        page(readers(PARTNER_A, staff="grants.view_projectupdate"), pk=of("update_photo"), variant="image"),
    ),
    "grants:project-updates": (
        page(PARTNER_OWN, code=of("project.code")),
        post(PARTNER_ACT, code=of("project.code")),
    ),
    "grants:project-update-withdraw": post(PARTNER_ACT, pk=of("update")),
    "admin:grants_projectupdate_publish": (  # its button on the update's page, which posts
        page(admin_page(ANY_STAFF, NOT_ALLOWED), pk=of("update")),
        post(admin_page("grants.moderate_projectupdate", THROUGH), pk=of("update")),
    ),
    "admin:grants_projectupdate_reject": admin_form("grants.moderate_projectupdate", pk=of("update")),
    "admin grants.projectupdate": AdminModel("grants.projectupdate", add=NOBODY, change=NOBODY, delete=NOBODY),
    "action grants.projectupdate publish_updates": act(
        "grants.moderate_projectupdate", view="grants.view_projectupdate"
    ),
    "action grants.projectupdate reject_updates": act(
        "grants.moderate_projectupdate", view="grants.view_projectupdate"
    ),
    "GET /api/v1/projects/{id}/updates/": api(PROJECT_READ, id=of("project")),
    "POST /api/v1/projects/{id}/updates/": api(api_own(PARTNER_A, seen_by="grants.view_project"), id=of("project")),
}


# -- Every door, and the cells -----------------------------------------------------------------------------


def doors(key: str) -> tuple[Door, ...]:
    """The doors the table gives `key`, with what the key itself says of them (an operation's method and
    path, an action's list); none when the table has no entry."""
    entry = EXPECTED.get(key)
    if entry is None and key in matrix.admin_pages():
        label, page_name = matrix.admin_pages()[key]
        model = EXPECTED.get(f"admin {label}")
        return tuple(replace(door, name=key) for door in model.doors(page_name)) if model else ()
    if entry is None or isinstance(entry, AdminModel):
        return ()
    found = entry if isinstance(entry, tuple) else (entry,)
    operation = matrix.operations_by_key().get(key)
    if operation is not None:
        return tuple(
            replace(door, method=operation.method, path=operation.path, json=not operation.multipart) for door in found
        )
    if key.startswith("action "):
        _, label, action = key.split(" ")
        changelist = "admin:{}_{}_changelist".format(*label.split("."))
        data = {"action": action, "_selected_action": matrix.admin_object(label)}
        return tuple(replace(door, name=changelist, data=data) for door in found)
    return tuple(replace(door, name=key) for door in found)


def every_key() -> list[str]:
    return [
        *(route.key for route in matrix.routes()),
        *(operation.key for operation in matrix.operations()),
        *(matrix.action_key(label, name) for label, name in matrix.admin_actions()),
    ]


def cells() -> list:
    params = []
    for key in every_key():
        found = doors(key)
        for index, door in enumerate(found or [None]):
            label = key if len(found) < 2 else f"{key} [{index + 1}: {door.method}]"
            params += [pytest.param(key, index, column, id=f"{label} | {column}") for column in COLUMNS]
    return params


# -- The portfolio ----------------------------------------------------------------------------------------


def payments_portfolio(partner_org_a, people) -> dict:
    """Partner A's grant in euros: a verified account, a request waiting for its check, and one paid in a run."""
    project = ProjectFactory(title="Partner A's grant in euros", currency="EUR", is_public=False)
    ProjectPartnerFactory(project=project, organisation=partner_org_a)
    agreement = GrantAgreementFactory(  # after the accounting period whose journal the matrix exports (in USD)
        project=project,
        grantee=partner_org_a,
        signed_on=dt.date(2020, 1, 15),
        tranches=[services.TrancheSpec(dt.date(2020, 3, 1), Decimal("100000.00"))],
    )
    tranche = agreement.tranches.get()
    account = bank_account_verify(
        account=BankAccountFactory(
            organisation=partner_org_a,
            iban="DE89370400440532013000",
            bic="COBADEFFXXX",
            bank_country="DE",
            currency="EUR",
        ),
        by=people[SUPERUSER],
    )

    def ask(amount: str):
        return services.payment_request_create(
            tranche=tranche, amount=Decimal(amount), bank_account=account, requested_by=people[PARTNER_A]
        )

    paid = services.payment_request_check(request=ask("1000.00"), by=people[PROGRAMME_OFFICER.lower()])
    paid = services.payment_request_approve(request=paid, by=people[FINANCE_OFFICER.lower()])
    run = services.payment_run_create(requests=[paid], by=people[FINANCE_OFFICER.lower()])
    return {
        "eur_project": project,
        "eur_tranche": tranche,
        "bank_account": account,
        "payment_request": ask("500.00"),
        "payment_run": run,
    }


def build_portfolio() -> dict:
    """Partner A's and donor A's rows, with one row of every model the admin shows."""
    partner_org_a = OrganisationFactory(name="Partner A organisation")
    partner_org_b = OrganisationFactory(name="Partner B organisation")
    donor_org_a = OrganisationFactory(name="Donor A", kind=OrganisationKind.NATIONAL_GOVERNMENT, country="CH")
    donor_org_b = OrganisationFactory(name="Donor B", kind=OrganisationKind.NATIONAL_GOVERNMENT, country="SE")
    people = {
        ANONYMOUS: None,
        PARTNER_A: PartnerUserFactory(email="partner-a@example.org", organisation=partner_org_a),
        PARTNER_B: PartnerUserFactory(email="partner-b@example.org", organisation=partner_org_b),
        REVIEWER: UserFactory(email="reviewer@example.org"),
        DONOR_A: UserFactory(email="donor-a@example.org"),
        DONOR_B: UserFactory(email="donor-b@example.org"),
        STAFF_WITHOUT_PERMISSIONS: StaffWithoutPermissionsFactory(email="no-permissions@example.org"),
        **{role.lower(): staff_in_role(role, email=f"{role.lower().replace(' ', '-')}@example.org") for role in ROLES},
        SUPERUSER: StaffFactory(email="superuser@example.org"),
    }
    OrganisationRoleFactory(user=people[DONOR_A], organisation=donor_org_a, role=Role.DONOR)
    OrganisationRoleFactory(user=people[DONOR_B], organisation=donor_org_b, role=Role.DONOR)
    for user in filter(None, people.values()):
        EmailAddressFactory(user=user)
        Token.objects.create(user=user)
    with_totp(people[PARTNER_A])
    MembershipFactory(organisation=donor_org_a)
    SeatTermFactory(organisation=donor_org_a)

    theme = ThemeFactory()
    city = CityFactory(name="Jinja")
    contribution_a = ContributionFactory(donor=donor_org_a)
    ContributionPhaseFactory(contribution=contribution_a)
    contribution_b = ContributionFactory(donor=donor_org_b)
    project = ProjectFactory(title="Partner A's project", is_public=False)
    ProjectCountryFactory(project=project)
    ProjectPartnerFactory(project=project, organisation=partner_org_a)
    project.themes.add(theme)
    project.cities.add(city)
    public_project = ProjectFactory(title="A public project", is_public=True)
    ProjectPartnerFactory(project=public_project, organisation=partner_org_b)
    AllocationFactory(contribution=contribution_a, project=project)
    AllocationFactory(contribution=contribution_b, project=public_project)
    agreement = GrantAgreementFactory(
        project=project,
        grantee=partner_org_a,
        tranches=[services.TrancheSpec(dt.date(2019, 3, 1), Decimal("100000.00"))],
    )
    transaction_ = services.disbursement_record(
        project=project, amount=Decimal("1000.00"), value_date=dt.date(2019, 4, 1), reference="D-A"
    )
    services.evaluation_upload(  # closeout: a file to download
        project=project, upload=SimpleUploadedFile("evaluation.pdf", PDF), by=people[SUPERUSER]
    )
    services.agreement_signed_copy_upload(
        agreement=agreement, upload=SimpleUploadedFile("signed.pdf", PDF), user=people[SUPERUSER]
    )
    default_agreement_texts_ensure()  # a flushed test database lost the texts the migration seeded
    ExchangeRateFactory()
    # The period whose journal the matrix exports: 2019, its rows all in USD (the factory would number the year
    # after the periods earlier tests made in this process).
    AccountingPeriodFactory(name="FY2019", start_date=dt.date(2019, 1, 1))
    for kind in TransactionKind:  # every row has its accounts: a period's journal is exported, not refused
        AccountMappingFactory(kind=kind)
    payments = payments_portfolio(partner_org_a, people)

    call = CallFactory()
    AssessmentCriterionFactory(call=call)
    CallQuestionFactory(call=call)
    call_document = call_document_add(call, PDF)
    invited_call = CallFactory(invitation_only=True)
    CallInvitation.objects.create(call=invited_call, organisation=partner_org_a)
    invited_call_document = call_document_add(invited_call, PDF)
    application = ApplicationFactory(complete=True, call=call, organisation=partner_org_a, created_by=people[PARTNER_A])
    attachment = services.attachment_add(
        application=application, user=people[PARTNER_A], upload=SimpleUploadedFile("plan.pdf", PDF)
    )
    co_applicant = PartnerUserFactory(email="co-applicant@example.org")
    co_org = co_applicant.organisation_roles.get().organisation
    consortium_member = services.consortium_invite(application=application, user=people[PARTNER_A], organisation=co_org)
    other_draft = ApplicationFactory(call=call, organisation=co_org, created_by=co_applicant)
    consortium_invitation = services.consortium_invite(
        application=other_draft, user=co_applicant, organisation=partner_org_a, rights="edit"
    )
    application.status = ApplicationStatus.IN_REVIEW  # straight to review: its steps are not the matrix's subject
    application.save(update_fields=["status"])
    review = services.reviewer_assign(application=application, reviewer=people[REVIEWER], assigned_by=people[SUPERUSER])

    indicator = IndicatorFactory()
    PortfolioTargetFactory(indicator=indicator)
    result = ProjectResultFactory(project=project, outcome=indicator.outcome)
    project_indicator = ProjectIndicatorFactory(result=result, indicator=indicator)
    period = ReportingPeriodFactory(project=project)
    report = submitted(period, {project_indicator: "10"}, by=people[PARTNER_A])
    backing = evidence(report, by=people[PARTNER_A])
    donor_report = ready_donor_report(donor_org_a)
    invitation = InvitationFactory(organisation=partner_org_a, invited_by=people[PARTNER_A])
    amendment = amendment_request(
        agreement=agreement,
        user=people[PARTNER_A],
        terms=AmendmentTerms(kind="no_cost_extension", reason="More time.", new_end_date=dt.date(2023, 6, 30)),
    )
    # Approved, so that its letter and its signed copy exist (the acts on a request answer past the permission
    # layer whatever the amendment's state).
    amendment = amendment_approve(amendment=amendment, user=people[SUPERUSER])
    amendment_signed_copy_upload(
        amendment=amendment, upload=SimpleUploadedFile("amendment.pdf", PDF), user=people[SUPERUSER]
    )

    message = message_post(
        record=application,
        author=people[PARTNER_A],
        side=MessageSide.ORGANISATION,
        body="When is the decision expected?",
        uploads=[SimpleUploadedFile("question.pdf", PDF)],
    )
    update = update_post(
        project=project,
        author=people[PARTNER_A],
        title="Market opens",
        text="Traders moved in.",
        photos=[PhotoUpload(file=SimpleUploadedFile("market.png", PNG), caption="The market")],
    )
    public_update = update_publish(
        update=update_post(
            project=public_project,
            author=people[PARTNER_B],
            title="Roofs",
            text="New roofs.",
            photos=[PhotoUpload(file=SimpleUploadedFile("roof.png", PNG), caption="A roof")],
        ),
        user=people[SUPERUSER],
    )
    template = EmailTemplate.objects.create(name="Reminder", subject="{{ call.title }}", body="Dear applicant")
    mailing_send(call=call, template=template, statuses=[ApplicationStatus.IN_REVIEW], user=people[SUPERUSER])

    rows = {
        "partner_org_a": partner_org_a,
        "donor_org_a": donor_org_a,
        "constituency": donor_org_a.memberships.get().constituency,
        "window": project.facility.window,
        "facility": project.facility,
        "theme": theme,
        "contribution_a": contribution_a,
        "project": project,
        "public_project": public_project,
        "project_type": ContentType.objects.get_for_model(project),
        "tranche": agreement.tranches.get(),
        "agreement": agreement,
        "transaction": transaction_,
        "call": call,
        "call_document": call_document,
        "invited_call": invited_call,
        "invited_call_document": invited_call_document,
        "application": application,
        "attachment": attachment,
        "consortium_member": consortium_member,
        "consortium_invitation": consortium_invitation,
        "review": review,
        "indicator": indicator,
        "period": period,
        "report": report,
        "evidence": backing,
        "donor_report": donor_report,
        "invitation": invitation,
        **payments,
        "amendment": amendment,
        "message_file": message.files.get(),
        "update": update,
        "update_photo": update.photos.get(),
        "public_update_photo": public_update.photos.get(),
    }
    shown = {
        "members.user": people[PARTNER_A],
        "members.organisation": partner_org_a,
        "grants.project": project,
        "grants.grantagreement": agreement,
        "grants.application": application,
        "grants.transaction": transaction_,
        "grants.tranche": rows["tranche"],
        "grants.amendment": amendment,
        "results.progressreport": report,
        "donors.donorreport": donor_report,
        "grants.paymentrequest": payments["payment_request"],
        "grants.paymentrun": payments["payment_run"],
        "members.bankaccount": payments["bank_account"],
        "grants.projectupdate": update,
    }
    for model in admin.site._registry:
        label = model._meta.label_lower
        shown.setdefault(label, model._default_manager.order_by("pk").first())
    missing = sorted(label for label, row in shown.items() if row is None)
    assert not missing, f"the portfolio has no row of {missing}: each admin page needs one"
    return {**rows, "people": people, "admin": shown}


@pytest.fixture(autouse=True)
def _test_settings():
    """The suite's test settings, set once for the module by `portfolio` rather than once per cell."""


@pytest.fixture(scope="module")
def portfolio(django_db_setup, django_db_blocker, _media_root):
    """Built once for the module, in a transaction rolled back at its end; each cell runs in a savepoint of it
    (the `db` fixture's test case), so what one cell changes the next does not see."""
    test_settings = override_settings(
        MEDIA_ROOT=_media_root,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix"}},
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        built = build_portfolio()
        built["sessions"] = {}
        for column, user in built["people"].items():
            if user is not None:
                client = Client()
                client.force_login(user)
                built["sessions"][column] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


# -- The matrix ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "index", "column"), cells())
def test_each_door_answers_each_person_as_the_table_says(portfolio, db, key, index, column):
    found = doors(key)
    if not found:
        pytest.fail(f"{key} has no entry in EXPECTED: say there what it answers to whom", pytrace=False)
    door = found[index]
    who = matrix.Who(column, portfolio["people"][column])
    expected = door.rule.answer(who)
    cache.clear()
    client = Client()
    if column in portfolio["sessions"]:
        client.cookies[settings.SESSION_COOKIE_NAME] = portfolio["sessions"][column]
    changes = matrix.changes(matrix.watched_tables()) if door.method != "GET" and expected.is_refusal else None

    response = door.knock(client, portfolio)
    matrix.finish(response)
    seen = matrix.observed(response)

    assert matrix.agrees(expected, seen), (
        f"{key} as {column}: expected {expected} ({door.rule!r}), got {seen}"
        f"{' → ' + response.headers['Location'] if response.has_header('Location') else ''}"
    )
    if changes is not None:
        changed = changes()
        assert not changed, f"{key} as {column} was refused ({seen}) yet changed {changed}"
    if door.lists and seen == OK:
        row, may_read = door.lists
        shown = portfolio[row].pk in {item["id"] for item in response.json()["results"]}
        assert shown == (may_read.answer(who) == OK), f"{key} as {column} {'shows' if shown else 'hides'} {row}"


def test_every_door_has_an_entry_and_every_entry_a_door():
    keys = set(every_key())
    missing = sorted(key for key in keys if not doors(key))
    admin_models = {f"admin {label}" for label, _page in matrix.admin_pages().values()}
    stale = sorted(key for key in EXPECTED if key not in keys and key not in admin_models)

    assert not missing, f"doors without an entry in EXPECTED: {missing}"
    assert not stale, f"entries of EXPECTED for doors that are gone: {stale}"


def test_the_database_state_a_refusal_is_checked_against_sees_a_row_added_or_changed(db):
    tables = matrix.watched_tables()
    before = matrix.database_state(tables)
    theme = ThemeFactory(name="Resilience")
    added = matrix.database_state(tables)
    theme.name = "Resilient cities"
    theme.save()

    assert matrix.changed_tables(tables, before, added) == ["grants_theme"]
    assert matrix.changed_tables(tables, added, matrix.database_state(tables)) == ["grants_theme"]


@pytest.mark.postgres
def test_a_refusals_changes_are_the_rows_it_changed_though_rows_are_only_compared_after_a_write(db):
    tables = matrix.watched_tables()
    theme = ThemeFactory(name="Resilience")
    nothing = matrix.changes(tables)
    assert nothing() == []

    written = matrix.rows_written(["grants_theme"])
    undone = matrix.changes(tables)
    with transaction.atomic():
        ThemeFactory(name="Informal settlements")
        transaction.set_rollback(True)
    assert matrix.rows_written(["grants_theme"]) > written  # counted though rolled back: the rows are compared
    assert undone() == []

    unchanged = matrix.changes(tables)
    theme.save()
    assert unchanged() == []

    renamed = matrix.changes(tables)
    theme.name = "Resilient cities"
    theme.save()
    assert renamed() == ["grants_theme"]
