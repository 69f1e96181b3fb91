"""The conversation with the secretariat in the partner portal: on an application, on a project, and the files.

Views parse, services decide: a record the user's organisation does not hold answers 404, and a refused message
shows the page again with what was typed and the reason (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.uploads import file_download

from .forms import MessageForm
from .models import Application, MessageAttachment, MessageSide, Project
from .selectors import messages as selectors
from .services.messages import MessageError, message_post


def post_message(request: HttpRequest, record: Application | Project, side: str, form: MessageForm) -> bool:
    """Post the form's message on `record` for `side`; False (the form says why) when it is refused. Shared by the
    portal and the admin."""
    if not form.is_valid():
        return False
    try:
        message_post(
            record=record,
            author=request.user,
            side=side,
            body=form.cleaned_data["body"],
            uploads=form.cleaned_data["files"],
            site_url=request.build_absolute_uri("/"),
        )
    except MessageError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    return True


def _conversation(request: HttpRequest, record: Application | Project, back: str) -> HttpResponse:
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and post_message(request, record, MessageSide.ORGANISATION, form):
        messages.success(request, _("Your message is sent to the secretariat."))
        # Back where it was written: the record's own page, or the conversation's.
        return redirect((back if "from_record" in request.POST else request.path) + "#messages")
    context = {
        "record": record,
        "back": back,
        "conversation": selectors.conversation(record),
        "form": form,
        "post_url": request.path,
        "is_project": isinstance(record, Project),
    }
    return render(request, "grants/portal/messages.html", context, status=400 if form.errors else 200)


@login_required
def application_messages(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        selectors.organisation_applications(request.user).select_related("call", "organisation"), pk=pk
    )
    return _conversation(request, application, reverse("grants:application", args=[pk]))


@login_required
def project_messages(request: HttpRequest, code: str) -> HttpResponse:
    project = get_object_or_404(selectors.organisation_projects(request.user), code=code)
    return _conversation(request, project, project.get_absolute_url())


@login_required
def message_file(request: HttpRequest, pk: int) -> FileResponse:
    """A message's file, for whoever reads its conversation (the organisation's partners, staff who read
    messages); anyone else is told it does not exist."""
    try:
        attachment = selectors.message_file_for(request.user, pk)
    except MessageAttachment.DoesNotExist:
        raise Http404 from None
    return file_download(attachment.file, name=attachment.original_name, content_type=attachment.content_type)
