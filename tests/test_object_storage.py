"""Uploads kept in an S3-compatible bucket (STORAGE_BACKEND=s3), as web processes on several machines share
them: stored and read through Django's storage API only, and downloaded through the views that check who
may read them, never from the bucket. The bucket is moto's, in-process: no network."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from storages.backends.s3 import S3Storage

from grants import services
from members.models import Role
from tests.conftest import S3_BUCKET as BUCKET
from tests.factories import (
    PDF,
    ApplicationFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    VerifiedUserFactory,
    ready_donor_report,
)

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_attachment_uploaded_through_the_portal_is_kept_in_the_bucket_and_downloaded_through_the_site(
    client, s3_bucket, settings
):
    draft = ApplicationFactory(complete=True)
    client.force_login(draft.created_by)

    answer = client.post(reverse("grants:attachment-upload", args=[draft.pk]), {"file": pdf()}, **JSON)

    assert answer.status_code == 200

    attachment = draft.attachments.get()
    assert isinstance(default_storage._wrapped, S3Storage)
    assert keys(s3_bucket) == [f"media/{attachment.file.name}"]
    assert not settings.MEDIA_ROOT.exists()
    response = client.get(reverse("grants:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert body(response) == PDF


def test_the_bucket_is_private_and_its_files_are_read_by_the_site_only(client, s3_bucket):
    draft = ApplicationFactory(complete=True)
    attachment = services.attachment_add(application=draft, user=draft.created_by, upload=pdf())

    acl = s3_bucket.get_object_acl(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
    assert [grant["Grantee"].get("URI") for grant in acl["Grants"]] == [None]  # the owner only, no AllUsers
    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 302  # to the login
    client.force_login(VerifiedUserFactory())
    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 404


def test_a_removed_attachment_leaves_the_bucket_once_the_draft_is_saved(
    client, s3_bucket, django_capture_on_commit_callbacks
):
    draft = ApplicationFactory(complete=True)
    attachment = services.attachment_add(application=draft, user=draft.created_by, upload=pdf())
    assert len(keys(s3_bucket)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(attachment=attachment, user=draft.created_by)

    assert keys(s3_bucket) == []


def test_a_file_gone_from_the_bucket_answers_404_not_an_error(client, s3_bucket):
    draft = ApplicationFactory(complete=True)
    attachment = services.attachment_add(application=draft, user=draft.created_by, upload=pdf())
    s3_bucket.delete_object(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
    client.force_login(draft.created_by)

    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 404


def test_a_donor_report_is_kept_in_the_bucket_and_downloaded_by_its_donor(client, s3_bucket):
    donor = OrganisationFactory(short_name="SECO")
    user = VerifiedUserFactory()
    OrganisationRoleFactory(user=user, organisation=donor, role=Role.DONOR)
    report = ready_donor_report(donor)
    client.force_login(user)

    response = client.get(reverse("donors:report-pdf", args=[donor.pk, report.pk]))

    assert keys(s3_bucket) == [f"media/{report.file.name}"]
    assert response.status_code == 200
    assert body(response) == PDF
