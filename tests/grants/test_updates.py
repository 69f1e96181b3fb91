"""Project updates: partners post them with photos (checked by content, resized, stripped of their metadata), staff
publish or reject them, and the published ones reach the project's page, the feed, the donors and the API. Who may
do what at each door, the 404s for other organisations, and the query counts of the lists."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import etree
from PIL import ExifTags, Image

from citiesalliance.workspace import work_queue
from grants.models import ProjectUpdate, UpdatePhoto, UpdateStatus
from grants.services.updates import (
    PHOTOS_PER_UPDATE,
    PhotoUpload,
    UpdateError,
    update_post,
    update_publish,
    update_reject,
    update_withdraw,
)
from members.models import Role
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from tests.factories import (
    PDF,
    AllocationFactory,
    ContributionFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    UserFactory,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

HOSTILE = 'Water ]]> & <script>alert("x")</script> </title><entry>'


def jpeg_with_gps(width: int = 3000, height: int = 2000, *, orientation: int | None = None) -> bytes:
    """A camera's JPEG: its make and model, and where it was taken (GPS), in its EXIF."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (0.0, 26.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (33.0, 12.0, 14.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def png(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def photo(content: bytes, name: str = "market.jpg", caption: str = "Women at the new market stalls") -> PhotoUpload:
    return PhotoUpload(file=SimpleUploadedFile(name, content), caption=caption)


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Municipal Council of Jinja")


@pytest.fixture
def partner(organisation):
    return PartnerUserFactory(email="partner@jinja.example.org", organisation=organisation)


@pytest.fixture
def stranger():
    return PartnerUserFactory(email="stranger@elsewhere.example.org")


@pytest.fixture
def officer():
    return staff_in_role(PROGRAMME_OFFICER, email="officer@example.org")


@pytest.fixture
def project(organisation):
    project = ProjectFactory(code="CP-UGA-2016", title="Jinja slum upgrading", is_public=True)
    ProjectPartnerFactory(project=project, organisation=organisation)
    return project


def post(project, partner, **more) -> ProjectUpdate:
    fields = {"title": "Market opens", "text": "The market opened on Monday.", **more}
    return update_post(project=project, author=partner, **fields)


def published(project, partner, officer, **more) -> ProjectUpdate:
    return update_publish(update=post(project, partner, **more), user=officer)


# -- Posting: the rules of the service


def test_a_partner_posts_a_photo_that_is_stored_resized_upright_and_without_any_metadata(project, partner):
    original = jpeg_with_gps(3000, 2000)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the camera said where

    update = post(project, partner, photos=[photo(original)])

    assert update.status == UpdateStatus.SUBMITTED
    assert update.organisation.name == "Municipal Council of Jinja"
    stored = update.photos.get()
    assert stored.caption == "Women at the new market stalls"
    with stored.image.open("rb") as handle:
        kept = handle.read()
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (1600, 1067) == (stored.width, stored.height)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert b"Exif" not in kept and b"PhoneMaker" not in kept and b"GPS" not in kept
    with stored.thumbnail.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as thumbnail:
        assert max(thumbnail.size) == 480
        assert dict(thumbnail.getexif()) == {}


def test_a_photo_turned_by_its_exif_is_stored_upright(project, partner):
    # Orientation 6: the camera held on its side; the pixels are 3000 wide, the photo is 2000 wide.
    update = post(project, partner, photos=[photo(jpeg_with_gps(3000, 2000, orientation=6))])
    stored = update.photos.get()
    assert (stored.width, stored.height) == (1067, 1600)


def test_a_png_with_transparency_is_kept_as_a_jpeg(project, partner):
    update = post(project, partner, photos=[photo(png(), name="plan.png")])
    stored = update.photos.get()
    assert (stored.width, stored.height) == (800, 600)
    with stored.image.open("rb") as handle:
        assert Image.open(io.BytesIO(handle.read())).format == "JPEG"


def test_a_file_that_is_not_a_photo_by_its_content_is_refused_and_nothing_is_kept(project, partner):
    with pytest.raises(UpdateError, match=r"market\.jpg is not a JPEG or PNG file\.") as refusal:
        post(project, partner, photos=[photo(PDF, name="market.jpg")])
    assert refusal.value.field == "photos"
    with pytest.raises(UpdateError, match="could not be read as a photo"):
        post(project, partner, photos=[photo(jpeg_with_gps(200, 100)[:300], name="cut.jpg")])
    assert not ProjectUpdate.objects.exists() and not UpdatePhoto.objects.exists()


def test_a_photo_above_the_upload_limit_is_refused(project, partner, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    with pytest.raises(UpdateError, match=r"market\.jpg is 0\.\d MB; files may be up to 0\.01 MB\."):
        post(project, partner, photos=[photo(jpeg_with_gps(3000, 2000))])
    assert not ProjectUpdate.objects.exists()


def test_the_text_title_captions_and_number_of_photos_are_limited(project, partner):
    with pytest.raises(
        UpdateError, match=re.escape("An update is at most 2000 characters; this one has 2001.")
    ) as refusal:
        post(project, partner, text="x" * 2001)
    assert refusal.value.field == "text"
    with pytest.raises(UpdateError, match=re.escape("Give the update a title.")):
        post(project, partner, title="   ")
    with pytest.raises(UpdateError, match=re.escape("Describe each photo in its caption: market.jpg has none.")):
        post(project, partner, photos=[photo(png(), caption=" ")])
    with pytest.raises(UpdateError, match=f"Add at most {PHOTOS_PER_UPDATE} photos"):
        post(project, partner, photos=[photo(png()) for _ in range(PHOTOS_PER_UPDATE + 1)])
    with pytest.raises(UpdateError, match="Remove the invisible control character U\\+0007 at position 5"):
        post(project, partner, photos=[photo(png(), caption="Bell\a")])
    with pytest.raises(UpdateError, match="cannot be in the future"):
        post(project, partner, event_date=dt.date.today() + dt.timedelta(days=2))
    assert not ProjectUpdate.objects.exists()


def test_only_the_projects_partners_post_on_it(project, stranger, officer):
    for someone in (stranger, officer, UserFactory()):
        with pytest.raises(UpdateError, match=re.escape("Only the project's partners post updates on it.")):
            post(project, someone)


def test_an_accepted_co_applicant_posts_as_an_implementing_partner(project):
    co_applicant = PartnerUserFactory(email="sdi@example.org")
    ProjectPartnerFactory(project=project, organisation=co_applicant.organisation_roles.get().organisation)
    assert post(project, co_applicant).organisation == co_applicant.organisation_roles.get().organisation


# -- Moderation


def test_staff_with_the_permission_publish_and_the_author_is_told(
    project, partner, officer, django_capture_on_commit_callbacks
):
    update = post(project, partner)
    with django_capture_on_commit_callbacks(execute=True):
        update = update_publish(update=update, user=officer)
    assert update.status == UpdateStatus.PUBLISHED and update.published_at and update.decided_by == officer
    assert [message.to for message in mail.outbox] == [[partner.email]]
    assert "is published" in mail.outbox[0].body


def test_a_rejection_says_why_and_the_reason_is_emailed_to_the_author(
    project, partner, officer, django_capture_on_commit_callbacks
):
    update = post(project, partner)
    with pytest.raises(UpdateError, match="Say why the update is rejected"):
        update_reject(update=update, user=officer, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        update_reject(update=update, user=officer, reason="The photo shows children's faces: please choose another.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.REJECTED
    assert [message.to for message in mail.outbox] == [[partner.email]]
    assert "The photo shows children's faces: please choose another." in mail.outbox[0].body
    assert mail.outbox[0].subject == "Your update is not published: Market opens"


def test_staff_without_the_permission_do_not_moderate(project, partner):
    finance = staff_in_role(FINANCE_OFFICER, email="finance@example.org")
    update = post(project, partner)
    with pytest.raises(UpdateError, match=re.escape("You may not moderate project updates.")):
        update_publish(update=update, user=finance)
    with pytest.raises(UpdateError, match=re.escape("You may not moderate project updates.")):
        update_reject(update=update, user=finance, reason="No.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED


def test_only_the_posting_organisation_withdraws_and_the_row_stays(project, partner, stranger, officer):
    update = published(project, partner, officer)
    with pytest.raises(UpdateError, match=re.escape("Only the organisation that posted the update withdraws it.")):
        update_withdraw(update=update, user=stranger)
    update_withdraw(update=update, user=partner)
    assert ProjectUpdate.objects.get(pk=update.pk).status == UpdateStatus.WITHDRAWN
    with pytest.raises(UpdateError, match="only an update waiting for moderation is published"):
        update_publish(update=update, user=officer)


def test_the_database_refuses_a_rejection_without_a_reason_and_a_project_with_updates_is_not_deleted(project, partner):
    update = post(project, partner, photos=[photo(png())])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectUpdate.objects.filter(pk=update.pk).update(status=UpdateStatus.REJECTED, reason="")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError), transaction.atomic():
        project.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        update.delete()


# -- The portal


def photo_form(content: bytes, name: str = "market.jpg", caption: str = "The new stalls") -> dict:
    return {
        "title": "Market opens",
        "text": "Two hundred traders moved in.",
        "event_date": "2020-03-02",
        "photo_1": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "caption_1": caption,
    }


def test_a_partner_posts_from_the_portal_and_sees_it_waiting(client, project, partner):
    client.force_login(partner)
    address = reverse("grants:project-updates", args=[project.code])
    answer = client.post(address, photo_form(jpeg_with_gps(2000, 1000)))
    assert answer.status_code == 302 and answer["Location"] == address
    update = ProjectUpdate.objects.get()
    assert update.event_date == dt.date(2020, 3, 2) and update.photos.get().width == 1600
    page = client.get(address).content.decode()
    assert "Market opens" in page and "Waiting for moderation" in page


def test_a_refused_update_shows_the_form_again_with_the_reason(client, project, partner):
    client.force_login(partner)
    answer = client.post(reverse("grants:project-updates", args=[project.code]), photo_form(PDF))
    assert answer.status_code == 400
    assert "market.jpg is not a JPEG or PNG file." in answer.content.decode()
    assert 'value="Market opens"' in answer.content.decode()
    assert not ProjectUpdate.objects.exists()


def test_a_photo_without_a_caption_is_refused_by_the_form(client, project, partner):
    client.force_login(partner)
    answer = client.post(reverse("grants:project-updates", args=[project.code]), photo_form(png(), caption=""))
    assert answer.status_code == 400
    assert "the caption is its text for screen readers" in answer.content.decode()


def test_other_organisations_are_told_the_project_and_its_updates_do_not_exist(
    client, project, partner, stranger, officer
):
    update = post(project, partner)
    client.force_login(stranger)
    assert client.get(reverse("grants:project-updates", args=[project.code])).status_code == 404
    assert client.post(reverse("grants:project-update-withdraw", args=[update.pk])).status_code == 404
    client.force_login(officer)  # staff moderate in the admin, they post nothing in the portal
    assert client.get(reverse("grants:project-updates", args=[project.code])).status_code == 404
    assert ProjectUpdate.objects.get().status == UpdateStatus.SUBMITTED


def test_the_photo_of_an_update_not_yet_published_is_only_for_its_organisation_and_staff(
    client, project, partner, stranger, officer
):
    update = post(project, partner, photos=[photo(png())])
    address = update.photos.get().url("thumbnail")
    assert client.get(address).status_code == 404
    client.force_login(stranger)
    assert client.get(address).status_code == 404
    donor = UserFactory()
    client.force_login(donor)
    assert client.get(address).status_code == 404
    for reader in (partner, officer, staff_in_role(FINANCE_OFFICER, email="finance@example.org")):
        client.force_login(reader)
        answer = client.get(address)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
        assert answer["Cache-Control"] == "private, no-store"
        b"".join(answer.streaming_content)
    update_publish(update=update, user=officer)
    client.logout()
    answer = client.get(address)
    assert answer.status_code == 200 and answer["X-Content-Type-Options"] == "nosniff"
    b"".join(answer.streaming_content)
    assert client.get(address.replace("thumbnail", "original")).status_code == 404


def test_a_photo_is_kept_in_object_storage_when_the_product_uses_it(s3_bucket, project, partner, settings):
    update = post(project, partner, photos=[photo(jpeg_with_gps(2000, 1000))])
    keys = [item["Key"] for item in s3_bucket.list_objects_v2(Bucket="portfolio-uploads")["Contents"]]
    assert len(keys) == 2 and all(key.startswith(f"media/updates/{update.pk}/") for key in keys)
    body = s3_bucket.get_object(Bucket="portfolio-uploads", Key=f"media/{update.photos.get().image.name}")["Body"]
    assert b"GPS" not in body.read()
    assert not settings.MEDIA_ROOT.exists()


# -- Where published updates are shown


def test_the_public_sees_published_updates_on_the_project_page_and_in_the_feed(client, project, partner, officer):
    shown = published(project, partner, officer, title="Market opens", photos=[photo(png())])
    post(project, partner, title="Waiting draft")
    hidden_project = ProjectFactory(is_public=False)
    ProjectPartnerFactory(project=hidden_project, organisation=partner.organisation_roles.get().organisation)
    published(hidden_project, partner, officer, title="On an unpublished project")
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Market opens" in page and "Waiting draft" not in page
    assert 'alt="Women at the new market stalls"' in page
    feed = client.get(reverse("grants:update-list")).content.decode()
    assert "Market opens" in feed and "Waiting draft" not in feed and "On an unpublished project" not in feed
    assert shown.photos.get().url("thumbnail") in feed


def test_the_atom_feed_is_well_formed_whatever_the_partners_wrote(client, project, partner, officer):
    published(project, partner, officer, title=HOSTILE, text=f"{HOSTILE}\n\nSecond paragraph.")
    answer = client.get(reverse("grants:update-feed"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(answer.content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", atom)
    assert len(entries) == 1
    assert entries[0].findtext("a:title", namespaces=atom) == f"CP-UGA-2016 · {HOSTILE}"
    summary = entries[0].find("a:summary", atom)
    assert summary.get("type") == "html"
    # The summary is HTML whose text is the partner's, escaped: a reader shows the tags as typed, runs none.
    assert "&lt;script&gt;" in summary.text and "<script>" not in summary.text
    assert entries[0].findtext("a:author/a:name", namespaces=atom) == "Municipal Council of Jinja"


def test_the_feed_page_pages_without_counting(client, project, partner, officer, django_assert_num_queries):
    for number in range(25):
        published(project, partner, officer, title=f"Update {number}")
    first = client.get(reverse("grants:update-list")).content.decode()
    assert "Update 24" in first and "Update 5" in first and "Update 4" not in first
    assert 'rel="next"' in first
    second = client.get(reverse("grants:update-list"), {"page": 2}).content.decode()
    assert "Update 4" in second and 'rel="next"' not in second and 'rel="prev"' in second
    assert client.get(reverse("grants:update-list"), {"page": 9}).status_code == 404
    assert client.get(reverse("grants:update-list"), {"page": "x"}).status_code == 200


@pytest.mark.parametrize("address", ["feed", "page", "project"])
def test_the_lists_of_updates_take_the_same_queries_however_many(
    client, project, partner, officer, address, django_assert_max_num_queries
):
    def get():
        url = {
            "feed": reverse("grants:update-feed"),
            "page": reverse("grants:update-list"),
            "project": project.get_absolute_url(),
        }[address]
        return client.get(url)

    published(project, partner, officer, photos=[photo(png())])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert get().status_code == 200
    for number in range(8):
        published(project, partner, officer, title=f"More {number}", photos=[photo(png()), photo(png())])
    with django_assert_max_num_queries(len(few)):
        assert get().status_code == 200


def test_the_donor_dashboard_shows_updates_on_the_projects_it_funds(client, project, partner, officer):
    donor_org = OrganisationFactory(name="SECO")
    donor = UserFactory(email="donor@example.org")
    OrganisationRoleFactory(user=donor, organisation=donor_org, role=Role.DONOR)
    AllocationFactory(contribution=ContributionFactory(donor=donor_org), project=project)
    published(project, partner, officer, title="Market opens")
    other = ProjectFactory()
    ProjectPartnerFactory(project=other, organisation=partner.organisation_roles.get().organisation)
    published(other, partner, officer, title="Elsewhere")
    client.force_login(donor)
    page = client.get(reverse("donors:dashboard", args=[donor_org.pk])).content.decode()
    assert "Updates from the projects you fund" in page
    assert "Market opens" in page and "Elsewhere" not in page


def test_the_donor_report_has_the_updates_of_its_period_with_their_thumbnails_inlined(project, partner, officer):
    from donors.pdf import report_updates
    from donors.selectors import donor_statement

    donor_org = OrganisationFactory(name="SECO")
    AllocationFactory(contribution=ContributionFactory(donor=donor_org), project=project)
    published(project, partner, officer, title="Market opens", photos=[photo(png())])
    today = dt.date.today()
    statement = donor_statement(donor_org, start=today - dt.timedelta(days=30), end=today)
    entries = report_updates(statement)
    assert [entry.update.title for entry in entries] == ["Market opens"]
    assert entries[0].photos[0].src.startswith("data:image/jpeg;base64,")
    earlier = donor_statement(donor_org, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))
    assert report_updates(earlier) == []


def test_the_donor_pdf_shows_the_update_and_fetches_nothing(project, partner, officer):
    from pypdf import PdfReader

    from donors.services import render_report_pdf
    from tests.factories import ready_donor_report

    donor_org = OrganisationFactory(name="SECO")
    AllocationFactory(contribution=ContributionFactory(donor=donor_org), project=project)
    published(project, partner, officer, title="Market opens in Jinja", photos=[photo(png())])
    report = ready_donor_report(donor_org)
    report.period_start, report.period_end = dt.date.today() - dt.timedelta(days=30), dt.date.today()
    content, _pages = render_report_pdf(report)
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Updates from the projects" in text and "Market opens in Jinja" in text
    assert sum(len(page.images) for page in reader.pages) >= 1


# -- The admin and the work queue


def test_staff_publish_from_the_record_page_and_reject_with_a_reason(
    client, project, partner, officer, django_capture_on_commit_callbacks
):
    first, second = post(project, partner, title="First"), post(project, partner, title="Second")
    client.force_login(officer)
    record = client.get(reverse("admin:grants_projectupdate_change", args=[first.pk])).content.decode()
    assert reverse("admin:grants_projectupdate_publish", args=[first.pk]) in record
    assert client.post(reverse("admin:grants_projectupdate_publish", args=[first.pk])).status_code == 302
    refused = client.post(reverse("admin:grants_projectupdate_reject", args=[second.pk]), {"reason": ""})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("admin:grants_projectupdate_reject", args=[second.pk]), {"reason": "Blurred."})
    assert answer.status_code == 302
    assert dict(ProjectUpdate.objects.values_list("title", "status")) == {
        "First": UpdateStatus.PUBLISHED,
        "Second": UpdateStatus.REJECTED,
    }
    assert "Blurred." in mail.outbox[-1].body


def test_the_admin_actions_publish_and_reject_the_selected_updates(client, project, partner, officer):
    first, second = post(project, partner, title="First"), post(project, partner, title="Second")
    client.force_login(officer)
    changelist = reverse("admin:grants_projectupdate_changelist")
    client.post(changelist, {"action": "publish_updates", "_selected_action": [first.pk]})
    asked = client.post(changelist, {"action": "reject_updates", "_selected_action": [second.pk]})
    assert asked.status_code == 200 and "Reason (e-mailed to the author)" in asked.content.decode()
    client.post(changelist, {"action": "reject_updates", "_selected_action": [second.pk], "reason": "Off topic."})
    assert dict(ProjectUpdate.objects.values_list("title", "status")) == {
        "First": UpdateStatus.PUBLISHED,
        "Second": UpdateStatus.REJECTED,
    }
    assert client.post(reverse("admin:grants_projectupdate_delete", args=[first.pk])).status_code == 403


def test_staff_without_the_permission_are_refused_the_moderation(client, project, partner):
    update = post(project, partner)
    client.force_login(staff_in_role(FINANCE_OFFICER, email="finance@example.org"))
    assert client.post(reverse("admin:grants_projectupdate_publish", args=[update.pk])).status_code == 403
    assert (
        client.post(reverse("admin:grants_projectupdate_reject", args=[update.pk]), {"reason": "x"}).status_code == 403
    )
    record = client.get(reverse("admin:grants_projectupdate_change", args=[update.pk]))
    assert record.status_code == 200 and b"data-act=" not in record.content
    assert ProjectUpdate.objects.get().status == UpdateStatus.SUBMITTED


def test_the_work_queue_counts_the_updates_to_moderate_for_those_who_moderate(project, partner):
    post(project, partner)
    post(project, partner)
    officer = staff_in_role(PROGRAMME_OFFICER, email="officer@example.org")
    lines = {line.label: line for section in work_queue(officer) for line in section.lines}
    assert lines["Project updates to moderate"].count == 2
    assert lines["Project updates to moderate"].url.endswith("?work=to_moderate")
    finance = staff_in_role(FINANCE_OFFICER, email="finance@example.org")
    assert "Project updates to moderate" not in {line.label for s in work_queue(finance) for line in s.lines}


# -- The API


def test_the_api_reads_published_updates_and_partners_post_with_photos(client, project, partner, officer, stranger):
    published(project, partner, officer, title="Market opens", photos=[photo(png())])
    post(project, partner, title="Waiting")
    address = reverse("api:project-updates", args=[project.pk])
    read = client.get(address)
    assert read.status_code == 200
    assert [row["title"] for row in read.json()] == ["Market opens"]
    assert read.json()[0]["photos"][0]["caption"] == "Women at the new market stalls"
    assert client.post(address, {"title": "x", "text": "y"}).status_code in (401, 403)
    client.force_login(stranger)
    assert client.post(address, {"title": "x", "text": "y"}).status_code == 403  # a public project it sees
    client.force_login(partner)
    answer = client.post(
        address,
        {
            "title": "New roofs",
            "text": "Forty houses have a new roof.",
            "photos": [SimpleUploadedFile("roof.jpg", jpeg_with_gps(2400, 1800))],
            "captions": ["A new tin roof on a house"],
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "submitted" and answer.json()["photos"][0]["width"] == 1600
    refused = client.post(
        address, {"title": "x", "text": "y", "photos": [SimpleUploadedFile("a.jpg", PDF)], "captions": ["c"]}
    )
    assert refused.status_code == 400
    assert ProjectUpdate.objects.filter(title="x").count() == 0
