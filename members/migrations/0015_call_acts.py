"""The acts of two-stage and invitation-only calls: programme officers keep a call's eligibility questions,
invited organisations and documents; the committee shortlists concept notes. Every staff role sees them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from members.roles import ADMINISTRATOR, GRANTS_COMMITTEE, PROGRAMME_OFFICER, ROLES, roles_extend

MODELS = ("eligibilityquestion", "callinvitation", "calldocument")
VIEWS = tuple(f"grants.view_{model}" for model in MODELS)
ACTS = {role: VIEWS for role in ROLES if role != ADMINISTRATOR}
ACTS[PROGRAMME_OFFICER] += tuple(f"grants.{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete"))
ACTS[GRANTS_COMMITTEE] += ("grants.shortlist_application",)


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
        ("members", "0014_message_acts"),
        ("grants", "0028_two_stage_and_invitation_calls"),
    ]

    operations = [migrations.RunPython(extend, withdraw)]
