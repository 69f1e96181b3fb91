from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from grants.services.places import cities_locate


class Command(BaseCommand):
    help = "Fill the coordinates of the cities that have none from the gazetteer; names those it does not know."

    def handle(self, *args, **options):
        result = cities_locate()
        self.stdout.write(_("%(n)s cities located.") % {"n": result.located})
        for city in result.unknown:
            self.stdout.write(_("Not in the gazetteer, to place in the admin: %(city)s") % {"city": city})
