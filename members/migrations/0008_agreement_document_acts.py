"""The acts of the agreement document: the grants committee records signatures and the signed copy, and keeps the
agreement texts; every role sees the texts and the signatories."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from members.roles import ADMINISTRATOR, FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, ROLES, roles_extend

SEEN = ("grants.view_agreementtemplate", "grants.view_agreementsignatory")
ACTS = {
    GRANTS_COMMITTEE: (
        *SEEN,
        "grants.sign_grantagreement",
        "grants.add_agreementtemplate",
        "grants.change_agreementtemplate",
    ),
    PROGRAMME_OFFICER: SEEN,
    FINANCE_OFFICER: SEEN,
    ADMINISTRATOR: (),
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
    codenames = [name.split(".", 1)[1] for names in ACTS.values() for name in names]
    permissions = Permission.objects.filter(content_type__app_label="grants", codename__in=codenames)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_bank_accounts"),
        ("grants", "0019_agreements_signed_and_default_texts"),
    ]

    operations = [migrations.RunPython(extend, withdraw)]
