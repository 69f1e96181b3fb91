from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.organisation_list, name="organisation-list"),
    path("start/", views.onboarding, name="onboarding"),
    path("<int:pk>/", views.organisation_detail, name="organisation"),
    path("<int:pk>/invitations/", views.invitation_create, name="invite"),
    path("<int:pk>/bank-accounts/", views.bank_accounts, name="bank-accounts"),
    path("<int:pk>/bank-accounts/<int:account>/", views.bank_account_change, name="bank-account"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
