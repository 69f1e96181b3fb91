from django.conf import settings
from django.core.management.base import BaseCommand

from grants.demo import load_demo_portfolio
from grants.demo_amendments import load_demo_amendments
from grants.demo_calls import load_demo_concept_notes
from grants.demo_consortia import CO_APPLICANTS
from grants.demo_messages import load_demo_messages
from grants.demo_updates import load_demo_updates
from members.demo import DEMO_PASSWORD, create_demo_logins
from members.models import Organisation, User
from results.demo import load_demo_results


class Command(BaseCommand):
    help = "Load the demo portfolio (idempotent) and, with DEBUG on, create and print demo logins."

    def handle(self, *args, **options):
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
        for short_name, (email, _name) in CO_APPLICANTS.items():  # Jinja's co-applicants (grants/demo_consortia.py)
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
