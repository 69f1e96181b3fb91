from django.urls import path

from . import (
    amendment_pages,
    consortium_pages,
    drafting,
    map_pages,
    portal,
    portal_messages,
    portal_payments,
    portal_updates,
    views,
)

app_name = "grants"

urlpatterns = [
    path("map/", map_pages.portfolio_map_page, name="map"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<str:code>/", views.project_detail, name="project-detail"),
    path("updates/", portal_updates.update_list, name="update-list"),
    path("updates/feed/", portal_updates.update_feed, name="update-feed"),
    path("updates/photos/<int:pk>/<str:variant>/", portal_updates.update_photo, name="update-photo"),
    path("calls/", portal.call_list, name="call-list"),
    path("calls/<slug:reference>/", portal.call_detail, name="call-detail"),
    path("calls/<slug:reference>/eligibility/", portal.call_eligibility, name="call-eligibility"),
    path("calls/<slug:reference>/documents/<int:pk>/", portal.call_document_download, name="call-document"),
    path("calls/<slug:reference>/apply/", portal.application_start, name="application-start"),
    path("portal/", portal.dashboard, name="dashboard"),
    path("portal/applications/<int:pk>/", drafting.application_detail, name="application"),
    path("portal/applications/<int:pk>/pdf/", drafting.application_pdf, name="application-pdf"),
    path("portal/applications/<int:pk>/review/", drafting.application_review, name="application-review"),
    path("portal/applications/<int:pk>/files/", drafting.attachment_upload, name="attachment-upload"),
    path("portal/cities/", drafting.city_suggestions, name="city-suggestions"),
    path("portal/applications/<int:pk>/consortium/", consortium_pages.consortium_invite, name="consortium-invite"),
    path("portal/consortium/<int:pk>/remove/", consortium_pages.consortium_remove, name="consortium-remove"),
    path("portal/consortium/<int:pk>/accept/", consortium_pages.consortium_accept, name="consortium-accept"),
    path("portal/consortium/<int:pk>/decline/", consortium_pages.consortium_decline, name="consortium-decline"),
    path("portal/organisations/", consortium_pages.organisation_search, name="organisation-suggestions"),
    path("portal/files/<int:pk>/remove/", drafting.attachment_remove, name="attachment-remove"),
    path("portal/applications/<int:pk>/withdraw/", portal.application_withdraw, name="application-withdraw"),
    path("portal/files/<int:pk>/", portal.attachment_download, name="attachment"),
    path("portal/projects/<str:code>/payments/", portal_payments.payments, name="payments"),
    path(
        "portal/projects/<str:code>/payments/request/",
        portal_payments.payment_request_create,
        name="payment-request-create",
    ),
    path(
        "portal/payment-requests/<int:pk>/withdraw/",
        portal_payments.payment_request_withdraw,
        name="payment-request-withdraw",
    ),
    path("portal/projects/<str:code>/closeout/", portal.project_closeout, name="project-closeout"),
    path("portal/projects/<str:code>/agreement/", portal.agreement_detail, name="agreement"),
    path(
        "portal/projects/<str:code>/agreement/<str:language>.pdf", portal.agreement_document, name="agreement-document"
    ),
    path(
        "portal/projects/<str:code>/agreement/signed-copy/", portal.agreement_signed_copy, name="agreement-signed-copy"
    ),
    path("portal/reviews/", portal.review_queue, name="review-queue"),
    path("portal/projects/<str:code>/amendments/", amendment_pages.amendments, name="amendments"),
    path("portal/projects/<str:code>/amendments/<str:kind>/", amendment_pages.amendment_new, name="amendment-new"),
    path("portal/projects/<str:code>/versions/", amendment_pages.versions, name="versions"),
    path("portal/amendments/<int:pk>/withdraw/", amendment_pages.amendment_withdraw_view, name="amendment-withdraw"),
    path("portal/amendments/<int:pk>/letter/", amendment_pages.amendment_letter_download, name="amendment-letter"),
    path(
        "portal/amendments/<int:pk>/signed-copy/",
        amendment_pages.amendment_signed_copy_download,
        name="amendment-signed-copy",
    ),
    path("portal/reviews/<int:pk>/", portal.review_detail, name="review"),
    path("portal/applications/<int:pk>/messages/", portal_messages.application_messages, name="application-messages"),
    path("portal/projects/<str:code>/messages/", portal_messages.project_messages, name="project-messages"),
    path("portal/message-files/<int:pk>/", portal_messages.message_file, name="message-file"),
    path("portal/projects/<str:code>/updates/", portal_updates.project_updates, name="project-updates"),
    path("portal/updates/<int:pk>/withdraw/", portal_updates.project_update_withdraw, name="project-update-withdraw"),
]
