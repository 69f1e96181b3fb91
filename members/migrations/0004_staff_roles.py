"""The staff roles of `members.roles` as groups, with the permissions of the acts each takes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from members.roles import ROLES, roles_install


def install(apps, schema_editor):
    # Permissions are made after all migrations run; the roles need them now, custom ones included.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_install(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


def uninstall(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_verify_existing_email_addresses"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("grants", "0012_act_permissions"),
        ("results", "0003_act_permissions"),
        ("donors", "0002_act_permissions"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
