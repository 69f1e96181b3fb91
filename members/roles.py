"""Staff roles: each a group of Django permissions, written once here.

A data migration creates the groups from this table and the demo gives a login per role; administrators
may change a group's permissions in the admin afterwards (a later migration does not undo their changes,
except by adding the permissions of a new act to the roles that take it).

Every staff role sees the partnership's data (the view permission of every model of `STAFF_APPS`); what
each may change is its own:

- programme officers run calls (screening, reviewer assignment, ranking), the results framework and the
  review of progress reports, keep projects (publishing them too) and the catalogue, and check partners'
  payment requests against the project; they answer partners' messages on applications and projects, keep the
  e-mail templates and send bulk e-mail to a call's applicants; they publish or reject the updates partners post
  on their projects;
- finance officers keep the ledger: receipts, disbursements and expenditure, allocations, reversals,
  pledge schedules, accounting periods and exchange rates, and the account mappings of the accounting
  journal, which they export for the host's books; they verify partners' bank accounts, approve checked
  payment requests and make, send and confirm payment runs;
- the grants committee (or the director) shortlists the concept notes of two-stage calls (inviting their full
  proposals) and turns down the others, approves and rejects awards, signs grant agreements, records each side's
  signature and the signed copy, and keeps the agreement texts; it alone may approve an award with fewer
  completed reviews than the call needs, saying why; it approves or declines amendments of agreements (never one
  its own member requested), which programme officers may also request; it answers partners' messages too;
- administrators hold every permission, including users and groups.

Money is recorded by one role and decided by another: the committee approves an award and signs its
agreement (which books the commitment), and a tranche is released by a programme officer approving the
progress report its condition names. A partner's payment request is checked by a programme officer and
approved by a finance officer, three different people (the services refuse the same person twice and the
database refuses it too); the approval records the disbursement. A bank account is verified by someone other
than the person who entered or changed it. A disbursement a finance officer records directly in the ledger
(outside a payment request) still has no approval step of its own.

At closeout the committee, which made the commitment, is the one to reduce it (cancelling a tranche's unpaid
remainder) and to close or reopen the project; finance records the grantee's refund (a ledger row, like any
payment) and writes off an unspent balance that will not come back; programme officers upload the evaluation.
"""

from __future__ import annotations

from django.db.models import Q

PROGRAMME_OFFICER = "Programme officer"
FINANCE_OFFICER = "Finance officer"
GRANTS_COMMITTEE = "Grants committee"
ADMINISTRATOR = "Administrator"

STAFF_APPS = ("grants", "results", "donors", "members")
EVERY_PERMISSION = "*"


def _crud(app: str, *models: str, verbs: tuple[str, ...] = ("add", "change", "delete")) -> list[str]:
    return [f"{app}.{verb}_{model}" for model in models for verb in verbs]


ROLES: dict[str, tuple[str, ...]] = {
    PROGRAMME_OFFICER: (
        *_crud("grants", "call", "callquestion", "assessmentcriterion", "fundingwindow", "facility", "theme", "city"),
        *_crud("grants", "eligibilityquestion", "callinvitation", "calldocument"),
        *_crud("grants", "project", "projectpartner", "projectcountry", verbs=("add", "change")),
        "grants.screen_application",
        "grants.assign_reviewer",
        "grants.view_ranking",
        "grants.change_tranche",
        "grants.change_closeout",
        "grants.publish_project",
        "grants.check_paymentrequest",
        "grants.import_iati",
        "grants.import_foreign_iati",
        "grants.add_amendment",
        "grants.add_message",
        *_crud("grants", "emailtemplate", verbs=("add", "change")),
        "grants.add_mailing",
        "grants.moderate_projectupdate",
        *_crud(
            "results",
            "outcome",
            "indicator",
            "portfoliotarget",
            "projectresult",
            "projectindicator",
            "reportingperiod",
            "indicatorperiod",
        ),
        "results.review_progressreport",
        "donors.request_donorreport",
        *_crud("members", "organisation", "membership", "constituency", verbs=("add", "change")),
    ),
    FINANCE_OFFICER: (
        "grants.add_transaction",
        "grants.reverse_transaction",
        *_crud("grants", "allocation", "contribution", "contributionphase", "exchangerate", verbs=("add", "change")),
        *_crud("grants", "pledgeinstalment"),
        *_crud("grants", "accountingperiod", verbs=("add", "change")),
        "grants.close_accountingperiod",
        "grants.export_journal",
        *_crud("grants", "accountmapping"),
        "grants.approve_paymentrequest",
        "grants.add_paymentrun",
        "grants.confirm_paymentrun",
        "members.verify_bankaccount",
        "grants.write_off_balance",
        "donors.request_donorreport",
    ),
    GRANTS_COMMITTEE: (
        "grants.decide_application",
        "grants.shortlist_application",
        "grants.override_review_minimum",
        "grants.view_ranking",
        "grants.add_grantagreement",
        "grants.cancel_tranche",
        "grants.close_project",
        "grants.add_amendment",
        "grants.decide_amendment",
        "grants.sign_grantagreement",
        *_crud("grants", "agreementtemplate", verbs=("add", "change")),
        "grants.add_message",
    ),
    ADMINISTRATOR: (EVERY_PERMISSION,),
}


def role_permissions(role: str, permission_model):
    """The permissions `role` holds, as a queryset of `permission_model` (the historical one in a migration)."""
    every = permission_model.objects.all()
    if ROLES[role] == (EVERY_PERMISSION,):
        return every
    views = every.filter(content_type__app_label__in=STAFF_APPS, codename__startswith="view_").exclude(
        codename="view_ranking"
    )
    # In a migration, the permissions of acts a later migration adds do not exist yet: that migration gives them
    # to the roles (`roles_extend`).
    own = Q()
    for app, codename in (name.split(".", 1) for name in ROLES[role]):
        own |= Q(content_type__app_label=app, codename=codename)
    return every.filter(Q(pk__in=views.values("pk")) | own)


def roles_install(*, group_model, permission_model) -> None:
    """Create each role's group and add the permissions the table gives it (none it has are taken away)."""
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.add(*role_permissions(role, permission_model))


def roles_extend(*, acts: dict[str, tuple[str, ...]], group_model, permission_model) -> None:
    """Give the existing role groups the permissions of new acts (`acts`: role → "app.codename"), and the roles
    that hold every permission all of them, leaving what administrators changed in the groups otherwise. A missing
    group is left missing: `role_group` makes it from the whole table when it is needed."""
    every = {name for names in acts.values() for name in names}
    for role in ROLES:
        names = every if ROLES[role] == (EVERY_PERMISSION,) else set(acts.get(role, ()))
        group = group_model.objects.filter(name=role).first()
        if group is None or not names:
            continue
        for name in sorted(names):
            app, codename = name.split(".", 1)
            group.permissions.add(permission_model.objects.get(content_type__app_label=app, codename=codename))


def acts_migration(acts: dict[str, tuple[str, ...]]):
    """The forward and backward functions of a data migration that gives the roles the permissions of new acts
    (`roles_extend`), and takes them back."""

    def extend(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        # Permissions are made after all migrations run; the roles need the new ones now.
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        group_model, permission_model = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
        roles_extend(acts=acts, group_model=group_model, permission_model=permission_model)

    def withdraw(apps, schema_editor):
        Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
        named = Q(pk__in=[])
        for app, codename in (name.split(".", 1) for names in acts.values() for name in names):
            named |= Q(content_type__app_label=app, codename=codename)
        permissions = Permission.objects.filter(named)
        for group in Group.objects.filter(name__in=ROLES):
            group.permissions.remove(*permissions)

    return extend, withdraw


def role_group(role: str):
    """The group of `role`, made from the table first when missing (a flushed database has no groups: the
    migration that makes them does not run again)."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=role).first()
    if group is None:
        roles_install(group_model=Group, permission_model=Permission)
        group = Group.objects.get(name=role)
    return group
