"""The application form: a draft kept as the partner types, files beside it, and a review before submission.

Everything works as plain form posts (saving the draft also attaches a chosen file or removes one, so nothing
typed is lost without JavaScript); static/js/application-form.js adds saving as one types, uploads without a
page reload, budget lines added in place and a country picker. Its requests ask for JSON (`Accept`), and get
the same service's answer as JSON.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.drafts import answer, saved_at, wants_json
from common.errors import DomainError

from . import selectors, services
from .application_pdf import application_pdf_response
from .forms import ApplicationDraftForms, MessageForm
from .models import Application, Attachment
from .selectors.consortia import LEAD, VIEW, application_access, consortium_of
from .selectors.messages import conversation
from .workflow import Actor, next_steps

SAVED, INVALID = "saved", "invalid"


def _load(request: HttpRequest, pk: int) -> Application:
    try:
        return selectors.partner_application(request.user, pk)
    except Application.DoesNotExist:
        raise Http404 from None


def _editable(request: HttpRequest, pk: int) -> Application:
    """An application the user may change: a co-applicant who may only view it is refused (403)."""
    application = _load(request, pk)
    if application_access(request.user, application) == VIEW:
        raise PermissionDenied
    return application


def _consortium(request: HttpRequest, application: Application) -> dict:
    """What the consortium section shows: who takes part, and whether this reader leads (and so invites)."""
    access = application_access(request.user, application)
    return {"access": access, "is_lead": access == LEAD, "consortium": consortium_of(application)}


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    consortium = _consortium(request, application)
    if not application.is_editable or consortium["access"] == VIEW:
        if request.method == "POST" and consortium["access"] == VIEW:
            raise PermissionDenied
        withdraw = consortium["is_lead"] and "withdrawn" in next_steps(application, Actor.APPLICANT)
        context = {
            "application": application,
            "can_withdraw": withdraw,
            "conversation": conversation(application),
            "form": MessageForm(),
            "messages_url": reverse("grants:application-messages", args=[pk]),
            **consortium,
        }
        return render(request, "grants/portal/application_readonly.html", context)
    forms = ApplicationDraftForms(request, application)
    if request.method == "POST":
        outcome = _save_draft(request, application, forms)
        if wants_json(request):
            if outcome == SAVED:
                return JsonResponse({"saved": True, "message": saved_at()})
            reasons = outcome if outcome != INVALID else " ".join(message for _anchor, message in forms.summary())
            return JsonResponse(
                {"saved": False, "message": _("Not saved: %(reasons)s") % {"reasons": reasons}}, status=400
            )
        if outcome == SAVED:
            if "review" in request.POST:
                return _to_review(request, application, forms)
            messages.success(request, _("Draft saved."))
            anchor = "#files" if {"upload", "remove_file"} & set(request.POST) else ""
            return redirect(reverse("grants:application", args=[pk]) + anchor)
        messages.error(
            request, _("Not saved: correct what is listed at the top of the page.") if outcome == INVALID else outcome
        )
    return _form_page(request, application, forms)


def _save_draft(request: HttpRequest, application: Application, forms: ApplicationDraftForms) -> str:
    """Save what the form holds, then attach or remove the file it names: SAVED, INVALID (the forms show why),
    or the message of what stopped it."""
    if not forms.is_valid():
        return INVALID
    try:
        services.application_save(application=application, user=request.user, **forms.draft())
    except services.ApplicationIncomplete as incomplete:
        forms.show(incomplete.errors)
        return INVALID
    except DomainError as error:
        return error.message
    try:
        if forms.upload_given():
            attachment = services.attachment_add(application=application, user=request.user, **forms.upload_values())
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.original_name})
        if request.POST.get("remove_file"):
            _remove(request, application, request.POST["remove_file"])
    except DomainError as error:
        forms.file_errors.append(error.message)
        return _("The draft is saved, but not the file: %(reason)s") % {"reason": error.message}
    return SAVED


def _remove(request: HttpRequest, application: Application, attachment_id: str) -> None:
    attachment = application.attachments.filter(pk=attachment_id if attachment_id.isdigit() else None).first()
    if attachment is None:
        raise Http404
    services.attachment_remove(attachment=attachment, user=request.user)
    messages.success(request, _("%(name)s is removed.") % {"name": attachment.original_name})


def _to_review(request: HttpRequest, application: Application, forms: ApplicationDraftForms) -> HttpResponse:
    """Straight back to the form with every problem by its field, or on to the review of the whole draft."""
    missing = services.submission_problems(application=application)
    if not missing:
        return redirect("grants:application-review", pk=application.pk)
    forms = ApplicationDraftForms(request, _load(request, application.pk))
    forms.show(missing)
    messages.error(request, _("The application cannot be submitted yet: see the messages by each field."))
    return _form_page(request, application, forms)


def _form_page(request: HttpRequest, application: Application, forms: ApplicationDraftForms) -> HttpResponse:
    context = {
        "application": application,
        "forms": forms,
        "form": forms.form,
        "errors": forms.summary(),
        **_consortium(request, application),
    }
    return render(request, "grants/portal/application_form.html", context)


@login_required
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole draft as it will be sent, what still stops it, and the one button that submits it."""
    application = _editable(request, pk)
    if not application.is_editable:
        return redirect("grants:application", pk=pk)
    is_lead = application_access(request.user, application) == LEAD
    if request.method == "POST" and not is_lead:
        raise PermissionDenied  # a co-applicant edits the draft; only the lead submits it
    missing = services.submission_problems(application=application)
    if request.method == "POST" and not missing:
        try:
            services.application_submit(application=application, user=request.user)
        except services.ApplicationIncomplete as incomplete:
            missing = incomplete.errors
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("grants:application-review", pk=pk)
        else:
            messages.success(request, _("Your application is submitted. We have emailed you a receipt."))
            return redirect("grants:application", pk=pk)
    labels = ApplicationDraftForms(request, application).labels()
    problems = [(labels.get(field, _("The application")), field, messages_) for field, messages_ in missing.items()]
    context = {"application": application, "problems": problems, "is_lead": is_lead}
    return render(request, "grants/portal/application_review.html", context)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file alone (the page's script sends it as soon as it is chosen); the form is left as typed."""
    application = _editable(request, pk)
    to = reverse("grants:application", args=[pk]) + "#files"
    forms = ApplicationDraftForms(request, application)
    try:
        attachment = services.attachment_add(application=application, user=request.user, **forms.upload_values())
    except DomainError as error:
        return answer(request, error.message, to=to, refused=True)
    message = _("%(name)s is attached.") % {"name": attachment.original_name}
    return answer(request, message, to=to, **({"file": _file_row(request, attachment)} if wants_json(request) else {}))


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attachment = selectors.partner_attachment(request.user, pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    if application_access(request.user, attachment.application) == VIEW:
        raise PermissionDenied
    to = reverse("grants:application", args=[attachment.application_id]) + "#files"
    try:
        services.attachment_remove(attachment=attachment, user=request.user)
    except DomainError as error:
        return answer(request, error.message, to=to, refused=True)
    return answer(request, _("%(name)s is removed.") % {"name": attachment.original_name}, to=to)


@login_required
def application_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The application as a PDF for the applying organisation's partners, whatever its state."""
    return application_pdf_response(_load(request, pk))


@login_required
def city_suggestions(request: HttpRequest) -> JsonResponse:
    """Cities matching what the partner types in the application form, in the countries chosen there."""
    countries = [code.upper() for code in request.GET.getlist("country")[:20] if len(code) == 2]
    found = selectors.city_suggestions(user=request.user, countries=countries, text=request.GET.get("q", "")[:60])
    return JsonResponse({"cities": found})


def _file_row(request: HttpRequest, attachment: Attachment) -> str:
    return render(request, "grants/portal/includes_file_row.html", {"file": attachment}).content.decode()
