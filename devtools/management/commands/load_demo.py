from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from devtools.demo.amendments import load_demo_amendments
from devtools.demo.calls import load_demo_concept_notes
from devtools.demo.consortia import CO_APPLICANTS
from devtools.demo.logins import DEMO_PASSWORD, create_demo_logins
from devtools.demo.messages import load_demo_messages
from devtools.demo.portfolio import load_demo_portfolio
from devtools.demo.results import load_demo_results
from devtools.demo.updates import load_demo_updates
from members.models import Organisation, User


class Command(BaseCommand):
    help = (
        "Load the reference data (`load_reference_data`), then the demo portfolio on it (idempotent) and, with "
        "DEBUG on, create and print demo logins."
    )

    def handle(self, *args, **options):
        call_command("load_reference_data", stdout=self.stdout, stderr=self.stderr)
        load_demo_portfolio()
        load_demo_results()
        self.stdout.write(self.style.SUCCESS("Demo portfolio loaded."))
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo logins are created.")
            return
        logins = create_demo_logins(
            host=Organisation.objects.get(short_name="UNOPS"),
            donor=Organisation.objects.get(short_name="SECO"),
            partner=Organisation.objects.get(short_name="Jinja"),
        )
        load_demo_amendments()
        load_demo_messages()
        load_demo_concept_notes(
            User.objects.get(email="partner@example.org"), Organisation.objects.get(short_name="Jinja")
        )
        load_demo_updates()
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.email:<28} {login.role:<18} {login.organisation}")
        for short_name, (email, _name) in CO_APPLICANTS.items():  # Jinja's co-applicants (devtools/demo/consortia.py)
            organisation = Organisation.objects.get(short_name=short_name)
            self.stdout.write(f"  {email:<28} {'Partner':<18} {organisation.name}")
        if settings.MFA_REQUIRED_FOR_STAFF:
            self.stdout.write(
                "Staff must set up two-factor authentication at their first visit to /admin/ (an authenticator "
                "app); set MFA_REQUIRED_FOR_STAFF=0 to try the demo without one."
            )
        else:
            self.stdout.write(
                "Two-factor authentication is offered, not required (MFA_REQUIRED_FOR_STAFF is off with DEBUG "
                "on); anyone may turn it on at /accounts/2fa/."
            )
