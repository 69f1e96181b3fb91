from django.urls import path

from . import views

app_name = "grants"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("<str:code>/", views.project_detail, name="project-detail"),
]
