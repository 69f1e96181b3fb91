"""The REST API: version 1 under /api/v1/, its OpenAPI schema, and the docs served from local assets."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from common.api_views import RedocView, SwaggerView, not_found
from grants import api as grants_api
from members import api as members_api
from results import api as results_api
from results import framework_api, reports_api

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("organisations", members_api.OrganisationViewSet, basename="organisation")
router.register("constituencies", members_api.ConstituencyViewSet, basename="constituency")
router.register("windows", grants_api.WindowViewSet, basename="window")
router.register("facilities", grants_api.FacilityViewSet, basename="facility")
router.register("themes", grants_api.ThemeViewSet, basename="theme")
router.register("calls", grants_api.CallViewSet, basename="call")
router.register("projects", grants_api.ProjectViewSet, basename="project")
router.register("contributions", grants_api.ContributionViewSet, basename="contribution")
router.register("transactions", grants_api.TransactionViewSet, basename="transaction")
router.register("applications", grants_api.ApplicationViewSet, basename="application")
router.register("payment-requests", grants_api.PaymentRequestViewSet, basename="payment-request")
router.register("payment-runs", grants_api.PaymentRunViewSet, basename="payment-run")
router.register("amendments", grants_api.AmendmentViewSet, basename="amendment")
router.register("reports", reports_api.ReportViewSet, basename="report")
router.register("indicators", results_api.IndicatorViewSet, basename="indicator")

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(
        r"^v1/projects/(?P<pk>[^/.]+)/results/$", framework_api.ProjectResultsView.as_view(), name="project-results"
    ),
    re_path(
        r"^v1/projects/(?P<pk>[^/.]+)/periods/$", framework_api.ProjectPeriodsView.as_view(), name="project-periods"
    ),
    re_path(
        r"^v1/projects/(?P<pk>[^/.]+)/periods/(?P<period>[^/.]+)/targets/$",
        framework_api.PeriodTargetsView.as_view(),
        name="period-targets",
    ),
    re_path(
        r"^v1/accounting-periods/(?P<pk>[^/.]+)/journal/$", grants_api.JournalView.as_view(), name="period-journal"
    ),
    re_path(
        r"^v1/applications/(?P<pk>[^/.]+)/messages/$",
        grants_api.ApplicationMessagesView.as_view(),
        name="application-messages",
    ),
    re_path(
        r"^v1/projects/(?P<pk>[^/.]+)/messages/$", grants_api.ProjectMessagesView.as_view(), name="project-messages"
    ),
    re_path(r"^v1/projects/(?P<pk>[^/.]+)/updates/$", grants_api.ProjectUpdatesView.as_view(), name="project-updates"),
    path("v1/me/token/", members_api.OwnTokenView.as_view(), name="own-token"),
    path("v1/portfolio-progress/", results_api.PortfolioProgressView.as_view(), name="portfolio-progress"),
    path("v1/", include(router.urls)),
    # Ends with a slash, so that an address without one is still redirected to its slashed form first.
    re_path(r"^v1/(?:.*/)?$", not_found, name="not-found"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
