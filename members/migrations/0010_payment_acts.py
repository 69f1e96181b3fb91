"""The acts of payment requests: programme officers check them, finance officers verify bank accounts, approve
requests and make and confirm payment runs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, ROLES, roles_extend

# Every staff role sees the partnership's data: the new records' view permissions, which the roles' groups,
# made before these models, do not hold yet.
VIEWS = (
    "grants.view_paymentrequest",
    "grants.view_paymentrequesttransition",
    "grants.view_paymentrun",
    "members.view_bankaccount",
)

ACTS = {
    GRANTS_COMMITTEE: VIEWS,
    PROGRAMME_OFFICER: (*VIEWS, "grants.check_paymentrequest"),
    FINANCE_OFFICER: (
        *VIEWS,
        "grants.approve_paymentrequest",
        "grants.add_paymentrun",
        "grants.confirm_paymentrun",
        "members.verify_bankaccount",
    ),
}


def extend(apps, schema_editor):
    # Permissions are made after all migrations run; the roles need the new ones now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_extend(
        acts=ACTS, group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission")
    )


def withdraw(apps, schema_editor):
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    names = [name.split(".", 1) for names in ACTS.values() for name in names]
    for group in Group.objects.filter(name__in=ROLES):
        for app, codename in names:
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_bank_account_verification"),
        ("grants", "0020_payment_requests"),
    ]

    operations = [migrations.RunPython(extend, withdraw)]
