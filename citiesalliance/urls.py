from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from common.health import health
from grants.views import home
from members.views import language_set

# The admin signs in through the site's login: its rate limits and second factor apply there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", home, name="home"),
    # First of the prefixed: staff's pages resolve every row link of an admin list (Django's filters kept on
    # the link), each walking the patterns before it.
    path("admin/", admin.site.urls),
    path("", include("grants.urls")),
    path("", include("results.urls")),
    path("donors/", include("donors.urls")),
    path("iati/", include("opendata.urls")),
    path("api/", include("citiesalliance.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("portal/organisation/", include("members.urls")),
    path("health/", health, name="health"),
    # The switch also keeps a signed-in user's choice on their account (members.views.language_set).
    path("i18n/setlang/", language_set, name="set_language"),
]

handler400 = "common.refusals.bad_request"
handler500 = "common.refusals.server_error"
