import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citiesalliance.settings")

application = get_wsgi_application()

# What is loaded by now (modules, settings, URL patterns: about 150,000 objects) lives as long as the
# process. Frozen, it is left out of the garbage collector's full collections, which otherwise scan
# it every dozen requests or so and add 90-140 ms to one request in ten on two cores.
gc.freeze()
