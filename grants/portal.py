"""The partner portal: open calls, applications and their files. Views parse, services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.uploads import file_download
from members.models import Organisation, Role
from members.selectors import organisations_of

from . import selectors, services
from .agreement_pdf import document_response, signed_copy_response
from .forms import EligibilityForm, ReviewForm
from .models import (
    Application,
    Attachment,
    Call,
    CallDocument,
    DocumentLanguage,
    GrantAgreement,
    ReviewAssignment,
)
from .selectors.agreements import partner_agreement, partner_agreements, signed_sides
from .selectors.amendments import grantee_project_codes
from .selectors.closeout import closeout_state
from .selectors.consortia import LEAD, application_access, invitations_waiting
from .selectors.visibility import own_projects
from .todos import todos_for


def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "grants/call_list.html", {"calls": selectors.open_calls(user=request.user)})


def _call(request: HttpRequest, reference: str) -> Call:
    """A published call the visitor may see: an invitation-only one answers 404 to anyone it does not invite."""
    try:
        return selectors.published_call(reference=reference, user=request.user)
    except Call.DoesNotExist:
        raise Http404 from None


# The visitor's answers to calls' eligibility checks, by call, kept in the session: answered before signing up,
# they are still there when the new account comes back to apply.
ELIGIBILITY_SESSION_KEY = "call_eligibility"


def _eligibility_given(request: HttpRequest, call: Call) -> dict:
    return request.session.get(ELIGIBILITY_SESSION_KEY, {}).get(str(call.pk), {})


def _eligibility(request: HttpRequest, call: Call) -> services.Eligibility | None:
    """The outcome of the visitor's check for the call; None when the call asks nothing. A call that only limits
    the kinds of organisation asks nothing before applying (the organisation's own kind is checked when it
    starts), but shows why not to a visitor whose answer did not qualify."""
    questions = list(call.eligibility_questions.all())
    given = _eligibility_given(request, call)
    if not questions and not (call.eligible_kinds and given):
        return None
    return services.eligibility_check(
        call=call, answers=given.get("answers"), kind=given.get("kind"), questions=questions
    )


def call_detail(request: HttpRequest, reference: str) -> HttpResponse:
    call = _call(request, reference)
    organisations = []
    if request.user.is_authenticated:
        organisations = organisations_of(user=request.user, role=Role.PARTNER)
    context = {"call": call, "organisations": organisations, "eligibility": _eligibility(request, call)}
    return render(request, "grants/call_detail.html", context)


def call_eligibility(request: HttpRequest, reference: str) -> HttpResponse:
    """The call's eligibility check, answered by anyone, with or without an account: eligible, or why not."""
    call = _call(request, reference)
    given = _eligibility_given(request, call)
    form = EligibilityForm(
        request.POST if request.method == "POST" else None,
        call=call,
        initial={"kind": given.get("kind"), **{f"q{pk}": value for pk, value in given.get("answers", {}).items()}},
    )
    result = None
    if request.method == "POST" and form.is_valid():
        kept = {"answers": form.answers(), "kind": form.cleaned_data.get("kind", "")}
        request.session[ELIGIBILITY_SESSION_KEY] = {
            **request.session.get(ELIGIBILITY_SESSION_KEY, {}),
            str(call.pk): kept,
        }
        result = services.eligibility_check(call=call, answers=kept["answers"], kind=kept["kind"])
    context = {"call": call, "form": form, "result": result}
    return render(request, "grants/call_eligibility.html", context, status=200)


def call_document_download(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """A call's document, for whoever may see the call; 404 for anyone else."""
    try:
        document = selectors.call_document(reference=reference, pk=pk, user=request.user)
    except CallDocument.DoesNotExist:
        raise Http404 from None
    return file_download(document.file, name=document.original_name, content_type=document.content_type)


def partner_landing(user) -> str | None:
    """After logging in, a partner lands on the portal's home: what its organisations have to do."""
    return reverse("grants:dashboard") if organisations_of(user=user, role=Role.PARTNER).exists() else None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The partner's home: to-dos first (reports owed, drafts to finish), then applications and projects."""
    page = Paginator(selectors.partner_applications(request.user), 20).get_page(request.GET.get("page"))
    projects = selectors.partner_projects(request.user).select_related("closeout")[:50]
    today = timezone.localdate()
    todos = todos_for(request.user, today)
    agreements = partner_agreements(request.user)[:50]
    context = {
        "requests": invitations_waiting(request.user)[:20],
        "my_organisation_ids": set(organisations_of(user=request.user, role=Role.PARTNER).values_list("pk", flat=True)),
        "page": page,
        "projects": projects,
        "todos": todos,
        "today": today,
        "grantee_of": grantee_project_codes(request.user),
        "agreements": agreements,
    }
    return render(request, "grants/portal/dashboard.html", context)


@login_required
@require_POST
def application_start(request: HttpRequest, reference: str) -> HttpResponse:
    call = _call(request, reference)
    try:
        organisation = organisations_of(user=request.user, role=Role.PARTNER).get(pk=request.POST.get("organisation"))
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        application = services.application_start(
            call=call,
            organisation=organisation,
            user=request.user,
            eligibility=_eligibility_given(request, call).get("answers"),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(call.get_absolute_url())
    messages.success(request, _("Your draft is started: save it as often as you like, then submit."))
    return redirect("grants:application", pk=application.pk)


def _load(request: HttpRequest, pk: int) -> Application:
    try:
        return selectors.partner_application(request.user, pk)
    except Application.DoesNotExist:
        raise Http404 from None


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _load(request, pk)
    if application_access(request.user, application) != LEAD:
        raise PermissionDenied  # a co-applicant sees the application; only the lead withdraws it
    try:
        services.application_withdraw(
            application=application, user=request.user, comment=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("grants:application", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Files are served only to the owning organisation's partners and to staff."""
    try:
        attachment = selectors.attachment_for(request.user, pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    return file_download(attachment.file, name=attachment.original_name, content_type=attachment.content_type)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reviewer_queue(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "grants/portal/review_queue.html", {"page": page})


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer sees only the applications assigned to them; any other id answers 404."""
    try:
        review = selectors.reviewer_assignment(request.user, pk)
    except ReviewAssignment.DoesNotExist:
        raise Http404 from None
    criteria = review.application.criteria
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                review=review,
                user=request.user,
                no_conflict=form.cleaned_data["no_conflict"],
                scores=form.scores(),
                overall_comment=form.cleaned_data["overall_comment"],
            )
        except services.ApplicationIncomplete as incomplete:
            for field, errors in incomplete.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Thank you: your review is submitted."))
            return redirect("grants:review-queue")
    context = {"review": review, "application": review.application, "form": form}
    return render(request, "grants/portal/review_form.html", context)


@login_required
def project_closeout(request: HttpRequest, code: str) -> HttpResponse:
    """A partner's view of its project's closeout: closed or not, and what the secretariat still needs from it."""
    project = get_object_or_404(own_projects(request.user), code=code)
    return render(request, "grants/portal/closeout.html", {"state": closeout_state(project)})


def _agreement(request: HttpRequest, code: str) -> GrantAgreement:
    """The agreement of a project the user's organisation is the grantee of; 404 for any other."""
    try:
        return partner_agreement(request.user, code)
    except GrantAgreement.DoesNotExist:
        raise Http404 from None


@login_required
def agreement_detail(request: HttpRequest, code: str) -> HttpResponse:
    agreement = _agreement(request, code)
    sides = signed_sides(agreement)
    context = {
        "agreement": agreement,
        "partner_signatories": sides["partner"],
        "secretariat_signatories": sides["secretariat"],
        "languages": DocumentLanguage.choices,
        "awaited": services.sides_awaited(agreement),
    }
    return render(request, "grants/portal/agreement.html", context)


@login_required
def agreement_document(request: HttpRequest, code: str, language: str) -> HttpResponse:
    return document_response(_agreement(request, code), language)


@login_required
def agreement_signed_copy(request: HttpRequest, code: str) -> FileResponse:
    return signed_copy_response(_agreement(request, code))
