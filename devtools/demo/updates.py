"""The demo's project updates (invented demo data): Jinja's partner tells of the community projects of CUF-UGA-2016
and of a market survey, SDI's of the settlement profiles of CP-UGA-2014 (a project SECO funds, so the update is on
the demo donor's dashboard); the programme officer published the first two, the survey waits for moderation (a line
of the work queue). The photos are drawn here, so that no file is committed.

Only with DEBUG on, as the people who post are demo logins; a second run finds the updates and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from grants.models import Project, ProjectUpdate
from grants.services.updates import PhotoUpload, update_post, update_publish
from members.models import User

OFFICER = "programme@example.org"


@dataclass(frozen=True)
class DemoUpdate:
    project: str
    author: str
    title: str
    text: str
    days_ago: int
    photos: tuple[tuple[str, tuple[int, int, int]], ...]  # caption, main colour of the drawing
    publish: bool


UPDATES = (
    DemoUpdate(
        "CUF-UGA-2016",
        "partner@example.org",
        "Forty households connected to clean water in Masese",
        "The federation's savings groups chose the water kiosks as their first project. Since March, forty "
        "households in Masese draw water a few steps from home instead of walking to the lake.\n\n"
        "The council's engineers checked the pipes; the groups collect the small fee that pays for upkeep.",
        40,
        (
            ("A water kiosk with a blue tank on a stand, people queuing with jerrycans", (40, 110, 190)),
            ("Members of the savings group counting the kiosk's takings", (200, 120, 40)),
        ),
        True,
    ),
    DemoUpdate(
        "CP-UGA-2014",
        "partner.sdi@example.org",
        "Settlement profiles finished in five municipalities",
        "Federation members mapped and counted every household of 62 informal settlements. The profiles now guide "
        "the councils' upgrading plans, and residents keep a copy in their own resource centres.",
        25,
        (("Residents drawing a map of their settlement on paper laid on the ground", (60, 150, 90)),),
        True,
    ),
    DemoUpdate(
        "CUF-UGA-2016",
        "partner@example.org",
        "Market survey: what traders need",
        "We asked 180 market women what keeps them from growing their trade. Storage and childcare came first; the "
        "results go to the council's market committee next week.",
        2,
        (("Traders answering the survey at their stalls", (170, 60, 120)),),
        False,
    ),
)


def _drawing(colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple picture (sky, ground, houses) standing in for a partner's photo, as a camera's JPEG would come."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1800, 1200), (190, 220, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 760, 1800, 1200), fill=(150, 120, 80))
    for number in range(5):
        left = 120 + number * 330 + (seed * 37) % 60
        top = 520 + ((number + seed) % 3) * 40
        draw.rectangle((left, top, left + 240, 780), fill=colour if number % 2 == seed % 2 else (225, 215, 195))
        draw.polygon([(left - 20, top), (left + 120, top - 110), (left + 260, top)], fill=(120, 120, 130))
    draw.ellipse((1450, 80, 1620, 250), fill=(250, 210, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@transaction.atomic
def load_demo_updates() -> None:
    officer = User.objects.filter(email=OFFICER).first()
    if officer is None:
        return
    for index, spec in enumerate(UPDATES):
        project = Project.objects.filter(code=spec.project).first()
        author = User.objects.filter(email=spec.author).first()
        if (
            project is None
            or author is None
            or ProjectUpdate.objects.filter(project=project, title=spec.title).exists()
        ):
            continue
        photos = [
            PhotoUpload(
                file=SimpleUploadedFile(f"photo-{index}-{number}.jpg", _drawing(colour, index + number)),
                caption=caption,
            )
            for number, (caption, colour) in enumerate(spec.photos)
        ]
        update = update_post(project=project, author=author, title=spec.title, text=spec.text, photos=photos)
        at = timezone.now() - dt.timedelta(days=spec.days_ago)
        if spec.publish:
            update_publish(update=update, user=officer)
            ProjectUpdate.objects.filter(pk=update.pk).update(created_at=at, decided_at=at, published_at=at)
        else:
            ProjectUpdate.objects.filter(pk=update.pk).update(created_at=at)
