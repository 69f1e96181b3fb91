"""Calls for proposals and their applications in the admin: screening, reviewers, ranking, decisions."""

from __future__ import annotations

from contextlib import suppress

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from common.admin import ConditionFilter, HistoryAdmin, ReadOnlyMixin
from common.admin_large_lists import LargeListAdminMixin
from common.countries import country_name
from common.errors import DomainError
from common.money import format_money
from common.permissions import may, requires
from members.models import Organisation, OrganisationKind, User

from .. import services
from ..application_pdf import application_pdf_response
from ..models import (
    Application,
    ApplicationStatus,
    ApplicationTransition,
    AssessmentCriterion,
    Call,
    CallDocument,
    CallInvitation,
    CallQuestion,
    CallStage,
    ConsortiumMember,
    EligibilityQuestion,
    ReviewAssignment,
    review_due_default,
)
from ..selectors import application_dossier, call_ranking, queue
from ..selectors.messages import secretariat_applications
from .messages import CallMailingMixin, ConversationMixin
from .schedule import Schedule, TrancheLines


class ClosingFilter(ConditionFilter):
    title = _("closing")
    parameter_name = "closing"
    SOON = "soon"
    conditions = {
        SOON: (
            format_lazy(_("Open, closing within {days} days"), days=queue.CLOSING_SOON.days),
            lambda: queue.calls_closing_soon(timezone.now()),
        )
    }


class WorkFilter(ConditionFilter):
    title = _("work to do")
    parameter_name = "work"
    TO_SCREEN, AWAITING_DECISION, TO_SHORTLIST = "screen", "decide", "shortlist"
    conditions = {
        TO_SCREEN: (_("To screen"), queue.applications_to_screen),
        AWAITING_DECISION: (_("Reviews in, awaiting a decision"), queue.applications_awaiting_decision),
        TO_SHORTLIST: (_("Concept notes reviewed, to shortlist"), queue.concept_notes_to_shortlist),
    }


class ReviewFilter(ConditionFilter):
    title = _("review")
    parameter_name = "review"
    OUTSTANDING, OVERDUE = "outstanding", "overdue"
    conditions = {
        OUTSTANDING: (_("Outstanding"), queue.reviews_outstanding),
        OVERDUE: (_("Overdue"), lambda: queue.reviews_overdue(timezone.localdate())),
        "submitted": (_("Submitted"), lambda: Q(submitted_at__isnull=False)),
    }


class CallForm(forms.ModelForm):
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Eligible applicant kinds"),
        choices=OrganisationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to accept every kind."),
    )

    class Meta:
        model = Call
        fields = [
            "title",
            "reference",
            "description",
            "is_published",
            "kind",
            "full_proposals_close_at",
            "invitation_only",
            "facility",
            "themes",
            "eligible_countries",
            "eligible_kinds",
            "opens_at",
            "closes_at",
            "time_zone",
            "currency",
            "ceiling",
            "envelope",
            "reviews_required",
        ]


class QuestionInline(TranslationStackedInline):
    model = CallQuestion
    extra = 0
    fields = [("label", "kind", "required", "order"), ("stage", "key"), "help_text", "choices", "max_length"]


class CriterionInline(TranslationTabularInline):
    model = AssessmentCriterion
    extra = 0
    fields = ["name", "stage", "description", "weight", "order"]


class EligibilityQuestionInline(TranslationTabularInline):
    model = EligibilityQuestion
    extra = 0
    fields = ["text", "qualifying_answer", "why_not", "help_text", "order"]


class InvitationInline(admin.TabularInline):
    model = CallInvitation
    extra = 0
    fields = ["organisation", "invited_by", "invited_at"]
    readonly_fields = ["invited_by", "invited_at"]
    autocomplete_fields = ["organisation"]


class DocumentInline(admin.TabularInline):
    """Files are checked by their content (the model's clean), as every upload is."""

    model = CallDocument
    extra = 0
    fields = ["title", "kind", "file", "order", "size"]
    readonly_fields = ["size"]


@admin.register(Call)
class CallAdmin(CallMailingMixin, TranslationAdmin):  # a call keeps no version history: its history is the admin's log
    change_form_template = "admin/grants/call/change_form.html"  # with "E-mail the applicants"
    form = CallForm
    list_display = ["title", "facility", "opens_at", "closes_at", "ceiling_money", "is_published", "application_count"]
    list_filter = [ClosingFilter, "is_published", "facility__window", "facility", "themes"]
    list_select_related = ["facility"]
    search_fields = ["title", "reference", "description"]
    prepopulated_fields = {"reference": ["title"]}
    autocomplete_fields = ["facility", "themes"]
    date_hierarchy = "closes_at"
    inlines = [EligibilityQuestionInline, InvitationInline, DocumentInline, QuestionInline, CriterionInline]
    fieldsets = [
        (None, {"fields": ["title", "reference", "description", "is_published"]}),
        (_("Where it funds"), {"fields": ["facility", "themes"]}),
        (_("Who may apply"), {"fields": ["eligible_countries", "eligible_kinds", "invitation_only"]}),
        (_("When"), {"fields": ["opens_at", "closes_at", "time_zone"]}),
        (_("Stages"), {"fields": ["kind", "full_proposals_close_at"]}),
        (_("Money"), {"fields": ["currency", "ceiling", "envelope"]}),
        (_("Review"), {"fields": ["reviews_required"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_total=Count("applications"))

    def save_formset(self, request, form, formset, change):
        if formset.model is CallInvitation:
            for invitation in formset.save(commit=False):
                invitation.invited_by = invitation.invited_by or request.user
                invitation.save()
            for gone in formset.deleted_objects:
                gone.delete()
            return
        super().save_formset(request, form, formset, change)

    def get_urls(self):
        return [
            path(
                "<int:pk>/ranking/",
                self.admin_site.admin_view(requires("grants.view_ranking")(self.ranking_view)),
                name="grants_call_ranking",
            ),
            *self.mailing_urls(),
            *super().get_urls(),
        ]

    @admin.display(description=_("ceiling"), ordering="ceiling")
    def ceiling_money(self, obj: Call) -> str:
        return format_money(obj.ceiling, obj.currency)

    @admin.display(description=_("applications"), ordering="application_total")
    def application_count(self, obj: Call) -> str:
        url = reverse("admin:grants_call_ranking", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', obj.application_total, url, _("ranking"))

    def ranking_view(self, request, pk: int):
        call = get_object_or_404(Call, pk=pk)
        stage = request.GET.get("stage", CallStage.FULL_PROPOSAL)
        if stage not in CallStage.values:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ranking: %(call)s") % {"call": call},
            "call": call,
            "stage": stage,
            "stages": CallStage.choices if call.is_two_stage else [],
            "ranking": call_ranking(call, stage),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grants/call/ranking.html", context)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class TransitionInline(ReadOnlyInline):
    model = ApplicationTransition
    fields = ["at", "from_status", "to_status", "by", "comment"]


class ConsortiumInline(ReadOnlyInline):
    """The co-applicants the lead invited, and how each answered; the lead's partners keep them in the portal."""

    model = ConsortiumMember
    fields = ["organisation", "rights", "status", "invited_by", "invited_at", "answered_at", "removed_at"]
    verbose_name_plural = _("Consortium: co-applicants")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "invited_by")


class AssignReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=User.objects.filter(is_active=True))
    due_on = forms.DateField(
        label=_("Review due"),
        required=False,
        initial=review_due_default,
        help_text=_("Three weeks from today when left empty."),
    )


class ShortlistForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    grant_reference = forms.CharField(label=_("Project code"), max_length=40)
    signed_on = forms.DateField(label=_("Agreement signed on"), initial=timezone.localdate)
    start_date = forms.DateField(label=_("Grant starts on"))
    end_date = forms.DateField(label=_("Grant ends on"))
    accountable = forms.ModelChoiceField(
        label=_("Contract partner"), queryset=Organisation.objects.order_by("name"), required=False
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    override_reason = forms.CharField(
        label=_("Why approve without every review"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Fewer reviews are completed than the call needs: a director may approve now, saying why. "
            "The reason is kept with the application."
        ),
    )

    def __init__(self, *args, below_review_minimum: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not below_review_minimum:
            del self.fields["override_reason"]


@admin.register(Application)
class ApplicationAdmin(LargeListAdminMixin, ConversationMixin, HistoryAdmin):
    list_display = ["__str__", "organisation", "call", "stage", "status", "requested", "submitted_at", "reviews_done"]
    list_filter = [WorkFilter, "status", "stage", "call", "organisation__kind"]
    list_select_related = ["organisation", "call"]
    search_fields = ["title", "summary", "organisation__name", "call__title"]
    date_hierarchy = "submitted_at"
    # The unfiltered total is one COUNT more on every filtered page, and the filters already say it.
    show_full_result_count = False
    # A call brings thousands of applications, worked through by status: half Django's hundred rows
    # halves the time to render a page (every row's cells and its action checkbox).
    list_per_page = 50
    actions = ["to_screening", "to_review", "shortlist", "reject"]
    # Answers, files, budget and reviews are shown from `application_dossier` (change_form.html), in a constant
    # number of queries; the history of steps stays an inline.
    inlines = [ConsortiumInline, TransitionInline]
    readonly_fields = [
        "call",
        "organisation",
        "created_by",
        "status",
        "stage",
        "concept_note",
        "title",
        "summary",
        "target_countries",
        "start_date",
        "end_date",
        "requested",
        "co_financing",
        "expected_results",
        "submitted_at",
        "decided_at",
        "project",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A subquery, not a join with GROUP BY: only the page's rows are counted, and the list's
        # COUNT and date hierarchy stay plain scans of the applications.
        reviews = (
            ReviewAssignment.objects.filter(application=OuterRef("pk"))
            .order_by()
            .values("application")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(review_total=Coalesce(Subquery(reviews), 0))
            .select_related("call", "organisation", "created_by", "project")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        assign = requires("grants.assign_reviewer")(self.assign_view)
        approve = requires("grants.decide_application")(self.approve_view)
        shortlist = requires("grants.shortlist_application")(self.shortlist_view)
        pdf = requires("grants.view_application")(self.pdf_view)
        return [
            path("<int:pk>/assign/", view(assign), name="grants_application_assign"),
            path("<int:pk>/pdf/", view(pdf), name="grants_application_pdf"),
            path("<int:pk>/approve/", view(approve), name="grants_application_approve"),
            *self.conversation_urls(),
            path("<int:pk>/shortlist/", view(shortlist), name="grants_application_shortlist"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk: int):
        application = get_object_or_404(
            Application.objects.select_related("call", "organisation").prefetch_related(
                "budget_lines", "answers", "attachments", "cities", "call__questions", "transitions"
            ),
            pk=pk,
        )
        return application_pdf_response(application)

    def conversation_records(self, request):
        return secretariat_applications(request.user).select_related("call", "organisation")

    def conversation_back(self, record: Application) -> str:
        return reverse("admin:grants_application_change", args=[record.pk])

    @admin.display(description=_("requested"), ordering="requested_amount")
    def requested(self, obj: Application) -> str:
        return format_money(obj.requested_amount, obj.call.currency)

    @admin.display(description=_("reviews"), ordering="review_total")
    def reviews_done(self, obj: Application) -> int:
        return obj.review_total

    @admin.display(description=_("target countries"))
    def target_countries(self, obj: Application) -> str:
        return ", ".join(country_name(c) for c in obj.countries)

    def _move(self, request, queryset, to_status: str):
        moved = 0
        for application in queryset:
            try:
                services.application_screen(application=application, user=request.user, to_status=to_status)
                moved += 1
            except DomainError as error:
                self.message_user(request, f"{application}: {error.message}", messages.ERROR)
        if moved:
            label = ApplicationStatus(to_status).label
            self.message_user(
                request, _("%(n)s moved to %(status)s.") % {"n": moved, "status": label}, messages.SUCCESS
            )

    def has_screen_permission(self, request) -> bool:
        return may(request.user, "grants.screen_application")

    def has_reject_permission(self, request) -> bool:
        """Before review a programme officer rejects; in review, the committee (the service tells which)."""
        return self.has_screen_permission(request) or may(request.user, "grants.decide_application")

    def has_shortlist_permission(self, request) -> bool:
        return may(request.user, "grants.shortlist_application")

    @admin.action(description=_("Shortlist concept notes (invites their full proposals)"), permissions=["shortlist"])
    def shortlist(self, request, queryset):
        invited = 0
        for application in queryset:
            try:
                services.concept_note_shortlist(application=application, user=request.user)
                invited += 1
            except DomainError as error:
                self.message_user(request, f"{application}: {error.message}", messages.ERROR)
        if invited:
            self.message_user(
                request,
                _("%(n)s shortlisted: their full proposals are started and the organisations told by e-mail.")
                % {"n": invited},
                messages.SUCCESS,
            )

    @admin.action(description=_("Start screening"), permissions=["screen"])
    def to_screening(self, request, queryset):
        self._move(request, queryset, ApplicationStatus.SCREENING)

    @admin.action(description=_("Send to review"), permissions=["screen"])
    def to_review(self, request, queryset):
        self._move(request, queryset, ApplicationStatus.IN_REVIEW)

    @admin.action(description=_("Reject"), permissions=["reject"])
    def reject(self, request, queryset):
        self._move(request, queryset, ApplicationStatus.REJECTED)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}  # the buttons of the steps this user may take, and what staff read before deciding
        if may(request.user, "grants.assign_reviewer"):
            extra["assign_url"] = reverse("admin:grants_application_assign", args=[object_id])
        if may(request.user, "grants.decide_application"):
            extra["approve_url"] = reverse("admin:grants_application_approve", args=[object_id])
        if may(request.user, "grants.shortlist_application"):
            extra["shortlist_url"] = reverse("admin:grants_application_shortlist", args=[object_id])
        if str(object_id).isdigit() and self.has_view_or_change_permission(request):
            with suppress(Application.DoesNotExist):  # the admin then answers as for any unknown id
                extra["dossier"] = application_dossier(int(object_id))
                extra.update(self.conversation_context(request, extra["dossier"].application))
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _form_page(self, request, application, form, title: str, button: str, template: str = "step", **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "application": application,
            "form": form,
            "button": button,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, f"admin/grants/application/{template}.html", context)

    def assign_view(self, request, pk: int):
        application = get_object_or_404(Application.objects.select_related("call", "organisation"), pk=pk)
        form = AssignReviewerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.reviewer_assign(application=application, assigned_by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(request, _("Reviewer assigned and told by email."), messages.SUCCESS)
                return redirect("admin:grants_application_change", pk)
        return self._form_page(request, application, form, _("Assign a reviewer"), _("Assign"))

    def shortlist_view(self, request, pk: int):
        """Shortlist one concept note from its record, with a comment kept in its history of steps."""
        application = get_object_or_404(Application.objects.select_related("call", "organisation"), pk=pk)
        form = ShortlistForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                full = services.concept_note_shortlist(
                    application=application, user=request.user, comment=form.cleaned_data["comment"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("Shortlisted: the full proposal is started from the concept note and the organisation told."),
                    messages.SUCCESS,
                )
                return redirect("admin:grants_application_change", full.pk)
        return self._form_page(request, application, form, _("Shortlist the concept note"), _("Shortlist"))

    def approve_view(self, request, pk: int):
        """The award: project code, agreement, the grant's dates and its schedule of tranches, beside the reviews,
        the scores and the ranking it follows."""
        try:
            dossier = application_dossier(pk)
        except Application.DoesNotExist:
            raise Http404 from None
        application = dossier.application
        form = DecisionForm(
            request.POST or None,
            below_review_minimum=dossier.reviews_missing > 0,
            initial={"start_date": application.start_date, "end_date": application.end_date},
        )
        lines = TrancheLines(request.POST or None, prefix="tranches")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            schedule = Schedule(lines)
            try:
                project = services.application_approve(
                    application=application, user=request.user, tranches=schedule.specs, **form.cleaned_data
                )
            except DomainError as error:
                schedule.show(error, form)
            else:
                self.message_user(
                    request,
                    _(
                        "Approved: project %(code)s is created and its agreement signed. It is not published: "
                        "publish it when the public may see it."
                    )
                    % {"code": project.code},
                    messages.SUCCESS,
                )
                return redirect("admin:grants_project_record", project.pk)
        title, button = _("Approve the application"), _("Approve")
        return self._form_page(request, application, form, title, button, "approve", dossier=dossier, lines=lines)


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every review asked for, to follow up those outstanding; reviewers score in the portal, never here."""

    list_display = ["application", "reviewer", "call", "assigned_at", "due_on", "submitted_at"]
    list_filter = [ReviewFilter, "application__call"]
    list_select_related = ["application__call", "reviewer"]
    search_fields = ["application__title", "reviewer__email", "reviewer__full_name"]
    ordering = ["due_on", "pk"]
    fields = [
        "application",
        "reviewer",
        "assigned_by",
        "assigned_at",
        "due_on",
        "no_conflict_declared_at",
        "submitted_at",
        "overall_comment",
    ]
    readonly_fields = fields

    @admin.display(description=_("call"), ordering="application__call__title")
    def call(self, obj: ReviewAssignment) -> Call:
        return obj.application.call
