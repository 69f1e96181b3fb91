from django.urls import path

from . import drafting, views

app_name = "results"

urlpatterns = [
    path("results/", views.portfolio, name="portfolio"),
    path("portal/reports/", views.reports, name="reports"),
    path("portal/reports/periods/<int:pk>/start/", views.report_start, name="report-start"),
    path("portal/reports/<int:pk>/", drafting.report_detail, name="report"),
    path("portal/reports/<int:pk>/draft/", drafting.report_autosave, name="report-autosave"),
    path("portal/reports/<int:pk>/evidence/", drafting.evidence_upload, name="evidence-upload"),
    path("portal/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("portal/evidence/<int:pk>/remove/", drafting.evidence_remove, name="evidence-remove"),
]
