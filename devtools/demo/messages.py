"""The demo's conversations and bulk e-mail (demo data): Jinja's partner asks the secretariat about its draft to the
open Innovation Fund call, with a file, and the programme officer answers; the same on Jinja's grant CUF-UGA-2026,
where the secretariat's question waits for an answer (a to-do on the partner's home); one e-mail template, and one
mailing sent with it to the call's applicants with drafts.

Only with DEBUG on, as the people who write are demo logins; a second run finds the conversation and changes
nothing."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from grants.models import Application, ApplicationStatus, Call, EmailTemplate, MessageSide, Project
from grants.services.messages import mailing_send, message_post
from members.models import Organisation, User

CALL, PROJECT = "innovation-fund-2026", "CUF-UGA-2026"
PARTNER, OFFICER = "partner@example.org", "programme@example.org"
# The smallest PDF, standing in for the draft's letter of support.
LETTER = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

REMINDER = {
    "subject": "{{ call.title }}: finish and submit your draft",
    "body": (
        "Dear {{ organisation.name }},\n\n"
        'Your draft "{{ application.title }}" ({{ application.reference }}) to {{ call.title }} is not submitted '
        "yet. The call closes on {{ call.closes_at }}.\n\n"
        "Finish and submit it here: {{ application.url }}\n\n"
        "The Cities Alliance secretariat"
    ),
}


@transaction.atomic
def load_demo_messages() -> None:
    partner, officer = (User.objects.filter(email=email).first() for email in (PARTNER, OFFICER))
    call = Call.objects.filter(reference=CALL).first()
    jinja = Organisation.objects.filter(short_name="Jinja").first()
    if None in (partner, officer, call, jinja):
        return
    title = "Market women's savings circles in Jinja"
    application = Application.objects.filter(call=call, organisation=jinja, title=title).first()
    application = application or Application.objects.create(
        call=call, organisation=jinja, title=title, created_by=partner, status=ApplicationStatus.DRAFT
    )
    if application.messages.exists():
        return
    now = timezone.now()
    _say(
        application,
        partner,
        MessageSide.ORGANISATION,
        now - dt.timedelta(days=3),
        "May a community organisation lead the project with the council as a partner? Our letter of support is "
        "attached.",
        [SimpleUploadedFile("letter-of-support.pdf", LETTER)],
    )
    _say(
        application,
        officer,
        MessageSide.SECRETARIAT,
        now - dt.timedelta(days=2),
        'Yes: choose "Community organisation" under "Who leads the project?" and keep the council\'s letter '
        "attached to the draft.",
    )
    project = (
        Project.objects.filter(code=PROJECT).first() or Project.objects.filter(partners__organisation=jinja).first()
    )
    if project is not None:
        _say(
            project,
            partner,
            MessageSide.ORGANISATION,
            now - dt.timedelta(days=6),
            "The market survey took longer than planned. May the second workshop move to March?",
        )
        _say(
            project,
            officer,
            MessageSide.SECRETARIAT,
            now - dt.timedelta(days=5),
            "Yes. Please send the revised workplan as a PDF so that we can file it with the agreement.",
        )
    template = EmailTemplate.objects.filter(name="Reminder: finish your draft").first()
    template = template or EmailTemplate.objects.create(name="Reminder: finish your draft", **REMINDER)
    mailing_send(call=call, template=template, statuses=[ApplicationStatus.DRAFT], user=officer)


def _say(record, author: User, side: str, at: dt.datetime, body: str, files=()) -> None:
    message = message_post(record=record, author=author, side=side, body=body, uploads=list(files))
    type(message).objects.filter(pk=message.pk).update(created_at=at)  # the demo's story, days ago
