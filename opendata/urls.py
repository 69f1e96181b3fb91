from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("activities.xml", views.activities, name="activities"),
    path("activities/<str:code>.xml", views.activity, name="activity"),
    path("organisation.xml", views.organisation, name="organisation"),
    path("import/", views.import_upload, name="import"),
    path("import/foreign/", views.import_foreign, name="import-foreign"),
]
