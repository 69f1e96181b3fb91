"""The roles take the permissions of the acts added since they were made (a pledge schedule's instalments);
what administrators changed in a group stays, as `roles_install` only adds."""

from importlib import import_module

from django.db import migrations

staff_roles = import_module("members.migrations.0004_staff_roles")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_staff_roles"),
        ("grants", "0014_pledge_schedule"),
    ]

    operations = [migrations.RunPython(staff_roles.install, migrations.RunPython.noop)]
