from django.urls import path

from . import views

app_name = "donors"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/projects/", views.project_list, name="project-list"),
    path("<int:pk>/projects/<str:code>/", views.project_detail, name="project"),
    path("<int:pk>/money/<slug:dimension>.csv", views.breakdown_csv, name="breakdown-csv"),
    path("<int:pk>/contributions.csv", views.contributions_csv, name="contributions-csv"),
    path("<int:pk>/results.csv", views.results_csv, name="results-csv"),
    path("<int:pk>/reports/", views.reports, name="reports"),
    path("<int:pk>/reports/<int:report_id>/status/", views.report_status, name="report-status"),
    path("<int:pk>/reports/<int:report_id>/pdf/", views.report_pdf, name="report-pdf"),
]
