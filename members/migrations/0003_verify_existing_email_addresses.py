"""Accounts made before sign-up existed (by the secretariat, or the demo) count as verified.

Without this, mandatory email verification would lock them out until they answer an email.
"""

from django.db import migrations


def verify_existing_addresses(apps, schema_editor):
    User = apps.get_model("members", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = EmailAddress.objects.values("user_id")
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user.pk, email=user.email.lower(), verified=True, primary=True)
        for user in User.objects.exclude(pk__in=known).only("pk", "email")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_invitation"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_existing_addresses, migrations.RunPython.noop)]
