"""The acts of closeout: the committee cancels tranches and closes projects, finance writes off, programme
officers keep the closeout (its evaluation)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, ROLES, roles_extend

# Every staff role sees the partnership's data, closeouts too (`roles.role_permissions`).
SEE = "grants.view_closeout"
ACTS = {
    GRANTS_COMMITTEE: (SEE, "grants.cancel_tranche", "grants.close_project"),
    FINANCE_OFFICER: (SEE, "grants.write_off_balance"),
    PROGRAMME_OFFICER: (SEE, "grants.change_closeout"),
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
    codenames = [name.split(".", 1)[1] for names in ACTS.values() for name in names if name != SEE]
    permissions = Permission.objects.filter(content_type__app_label="grants", codename__in=codenames)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_payment_acts"),
        ("grants", "0021_closeout"),
    ]

    operations = [migrations.RunPython(extend, withdraw)]
