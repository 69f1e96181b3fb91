"""Grant applications through the API: a partner drafts, saves and submits its organisation's
applications, or withdraws one; staff read every application and move it through screening.

Every change goes through the services the portal uses, so the API refuses what the portal
refuses, with the field at fault. A partner never sees another organisation's application: its
id answers 404.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import OWN_ROW, ActPermissions, ChoiceLabel, money_field
from common.money import MONEY_DIGITS, MONEY_PLACES
from members.models import Role
from members.selectors import organisations_of

from .. import services
from ..filters import ApplicationFilter
from ..models import (
    Application,
    ApplicationStatus,
    Attachment,
    BudgetCategory,
    Call,
    CallStage,
    ConsortiumMember,
    ConsortiumRights,
    ConsortiumStatus,
    QuestionKind,
)
from ..selectors import calls_seen_by, visible_applications
from ..selectors.consortia import LEAD, application_access, consortium_of
from .outputs import OrganisationRef


class CallRef(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "reference", "title", "currency"]


class BudgetLineOutput(serializers.Serializer):
    category = serializers.CharField()
    description = serializers.CharField()
    amount = money_field()


class AnswerOutput(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    value = serializers.CharField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.IntegerField(
        source="question_id", allow_null=True, help_text="The file question it answers."
    )
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")


class AttachmentInput(serializers.Serializer):
    """A file for a draft: the answer to one of the call's file questions, or a document beside the form."""

    file = serializers.FileField(help_text="A PDF, XLSX, DOCX, PNG or JPEG file, within the size limit.")
    question = serializers.IntegerField(required=False, allow_null=True, help_text="Id of a file question of the call.")

    def attach(self, application: Application, user) -> Attachment:
        question_id = self.validated_data.get("question")
        question = None
        if question_id is not None:
            question = application.call.questions.filter(
                pk=question_id, kind=QuestionKind.FILE, stage=application.stage
            ).first()
            if question is None:
                raise serializers.ValidationError({"question": ["Not a file question of this call."]})
        return services.attachment_add(
            application=application, user=user, upload=self.validated_data["file"], question=question
        )


class ConsortiumMemberOutput(serializers.Serializer):
    organisation = OrganisationRef(read_only=True)
    rights = serializers.ChoiceField(
        choices=ConsortiumRights.choices, help_text="What its partners may do: view or edit."
    )
    status = serializers.ChoiceField(choices=ConsortiumStatus.choices)
    invited_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ApplicationOutput(serializers.ModelSerializer):
    call = CallRef(read_only=True)
    organisation = OrganisationRef(read_only=True)
    status_name = ChoiceLabel("status")
    countries = serializers.SerializerMethodField()
    cities = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    requested_amount = money_field(allow_null=True, help_text="In the call's currency.")
    co_financing = money_field()
    budget_lines = BudgetLineOutput(many=True, read_only=True)
    answers = AnswerOutput(many=True, read_only=True)
    attachments = AttachmentOutput(many=True, read_only=True)
    project = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    consortium = serializers.SerializerMethodField(help_text="The co-applicants invited or taking part, with the lead.")
    concept_note = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="A full proposal: the shortlisted concept note it was invited from."
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "organisation",
            "status",
            "status_name",
            "stage",
            "concept_note",
            "title",
            "summary",
            "countries",
            "cities",
            "start_date",
            "end_date",
            "requested_amount",
            "co_financing",
            "expected_results",
            "budget_lines",
            "answers",
            "attachments",
            "submitted_at",
            "decided_at",
            "project",
            "consortium",
            "updated_at",
        ]

    @extend_schema_field(ConsortiumMemberOutput(many=True))
    def get_consortium(self, application: Application) -> list[dict]:
        return ConsortiumMemberOutput(consortium_of(application), many=True).data

    def get_countries(self, application: Application) -> list[str]:
        """ISO 3166-1 alpha-2 codes."""
        return [country.code for country in application.countries]


class BudgetLineInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=BudgetCategory.choices)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True)


class AnswerInput(serializers.Serializer):
    question = serializers.IntegerField(help_text="Id of one of the call's questions.")
    value = serializers.CharField(allow_blank=True, max_length=20_000)


class ApplicationInput(serializers.Serializer):
    """The draft's fields; those left out keep their value. `budget_lines`, `answers` and `cities`, when
    given, replace what the draft had."""

    title = serializers.CharField(max_length=250, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, help_text="ISO 3166-1 alpha-2 codes."
    )
    cities = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        help_text=(
            "City names, as `Jinja` or, when several countries are targeted, `Jinja (UG)`. A name the portfolio "
            "does not know is proposed to the secretariat, which confirms it before the application is approved."
        ),
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    requested_amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, required=False, allow_null=True
    )
    co_financing = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, required=False
    )
    expected_results = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    budget_lines = BudgetLineInput(many=True, required=False)
    answers = AnswerInput(many=True, required=False)

    def save_draft(self, application: Application) -> Application:
        data = self.validated_data
        fields = {name: data[name] for name in services.DRAFT_FIELDS if name in data}
        if "budget_lines" in data:
            lines = [services.BudgetLineInput(**line) for line in data["budget_lines"]]
        else:
            lines = [
                services.BudgetLineInput(category=line.category, amount=line.amount, description=line.description)
                for line in application.budget_lines.all()
            ]
        cities = data["cities"] if "cities" in data else [city.name for city in application.cities.all()]
        answers = {answer["question"]: answer["value"] for answer in data.get("answers", [])}
        return services.application_save(
            application=application,
            user=self.context["request"].user,
            fields=fields,
            budget_lines=lines,
            answers=answers,
            city_names=cities,
        )


@extend_schema_field(OpenApiTypes.INT)
class _OwnOrganisationField(serializers.PrimaryKeyRelatedField):
    """An organisation the caller acts for as a partner: any other id is unknown, as one that does not exist."""

    def get_queryset(self):
        return organisations_of(user=self.context["request"].user, role=Role.PARTNER)


@extend_schema_field(OpenApiTypes.INT)
class _SeenCallField(serializers.PrimaryKeyRelatedField):
    """A published call the caller may see: an invitation-only call it is not invited to is unknown."""

    def get_queryset(self):
        return calls_seen_by(self.context["request"].user)


class EligibilityAnswerInput(serializers.Serializer):
    question = serializers.IntegerField(help_text="Id of one of the call's eligibility questions.")
    answer = serializers.ChoiceField(choices=["yes", "no"])


class ApplicationCreateInput(ApplicationInput):
    call = _SeenCallField()
    organisation = _OwnOrganisationField(help_text="The organisation you act for that applies.")
    eligibility = EligibilityAnswerInput(
        many=True, required=False, help_text="Answers to the call's eligibility questions, each qualifying."
    )
    stage = serializers.ChoiceField(
        choices=CallStage.choices,
        required=False,
        help_text="Defaults to the call's first stage; a two-stage call's full proposal is started by its shortlist.",
    )

    @transaction.atomic
    def create(self, validated_data: dict) -> Application:
        application = services.application_start(
            call=validated_data["call"],
            organisation=validated_data["organisation"],
            user=self.context["request"].user,
            eligibility={str(given["question"]): given["answer"] for given in validated_data.get("eligibility", [])},
            stage=validated_data.get("stage"),
        )
        return self.save_draft(application)


class WithdrawInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2_000)


class ShortlistInput(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2_000, help_text="Kept with the step."
    )


class ScreenInput(serializers.Serializer):
    to_status = serializers.ChoiceField(
        choices=[
            (ApplicationStatus.SCREENING, ApplicationStatus.SCREENING.label),
            (ApplicationStatus.IN_REVIEW, ApplicationStatus.IN_REVIEW.label),
            (ApplicationStatus.REJECTED, ApplicationStatus.REJECTED.label),
        ]
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2_000)


class ApplicationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Applications to calls for proposals: a partner's own organisations' (staff: all of them)."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    required_permissions = {
        "create": None,  # for an organisation the partner acts for (the input's field)
        **dict.fromkeys(["partial_update", "attachments", "submit", "withdraw"], OWN_ROW),
        # Programme officers screen; rejecting an application in review is the committee's (the service says).
        "screen": ("grants.screen_application", "grants.decide_application", "grants.shortlist_application"),
        "shortlist": "grants.shortlist_application",
    }
    filterset_class = ApplicationFilter
    search_fields = ["title"]
    ordering_fields = ["updated_at", "submitted_at", "title"]
    ordering = ["-updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Application]:
        return (
            visible_applications(self.request.user)
            .select_related("call", "organisation", "project")
            .prefetch_related(
                "budget_lines",
                "answers",
                "cities",
                "attachments",
                Prefetch("consortium", queryset=ConsortiumMember.objects.select_related("organisation")),
            )
        )

    def get_serializer_class(self):
        return {
            "create": ApplicationCreateInput,
            "partial_update": ApplicationInput,
            "withdraw": WithdrawInput,
            "attachments": AttachmentInput,
            "screen": ScreenInput,
            "shortlist": ShortlistInput,
        }.get(self.action, ApplicationOutput)

    def is_own(self, user, application: Application) -> bool:
        """A draft is submitted and withdrawn by the lead applicant's partners; edited by them and by co-applicants
        who may edit (a co-applicant who may only view is refused, 403)."""
        if self.action in ("partial_update", "attachments"):
            return services.may_edit_draft(user, application)
        return application_access(user, application) == LEAD

    def _answer(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationOutput(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ApplicationCreateInput, responses={201: ApplicationOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Start a draft for an organisation you act for, while the call is open, and save what is sent."""
        draft = self.get_serializer(data=request.data)
        draft.is_valid(raise_exception=True)
        return self._answer(draft.save(), status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationInput, responses={200: ApplicationOutput})
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Save a draft: the fields sent change, the others stay."""
        application = self.get_object()
        draft = self.get_serializer(data=request.data)
        draft.is_valid(raise_exception=True)
        with transaction.atomic():
            saved = draft.save_draft(application)
        return self._answer(saved)

    @extend_schema(request={"multipart/form-data": AttachmentInput}, responses={201: AttachmentOutput})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request: Request, pk: str) -> Response:
        """Attach a file to your draft (multipart form data), checked by its content, not its name."""
        application = self.get_object()
        upload = self.get_serializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = upload.attach(application, request.user)
        return Response(AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApplicationOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit a complete draft while the call is open; what is missing is said field by field."""
        application = services.application_submit(application=self.get_object(), user=request.user)
        return self._answer(application)

    @extend_schema(request=WithdrawInput, responses={200: ApplicationOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraw your application before it is decided."""
        reason = self.get_serializer(data=request.data)
        reason.is_valid(raise_exception=True)
        application = services.application_withdraw(
            application=self.get_object(), user=request.user, comment=reason.validated_data["comment"]
        )
        return self._answer(application)

    @extend_schema(request=ScreenInput, responses={200: ApplicationOutput})
    @action(detail=True, methods=["post"])
    def screen(self, request: Request, pk: str) -> Response:
        """Staff: start screening, send to review, or reject."""
        step = self.get_serializer(data=request.data)
        step.is_valid(raise_exception=True)
        application = services.application_screen(
            application=self.get_object(), user=request.user, **step.validated_data
        )
        return self._answer(application)

    @extend_schema(request=ShortlistInput, responses={201: ApplicationOutput})
    @action(detail=True, methods=["post"])
    def shortlist(self, request: Request, pk: str) -> Response:
        """The grants committee: shortlist a concept note in review. Its full proposal is started, filled in from
        the concept note, and answered here; the organisation is told by e-mail."""
        step = self.get_serializer(data=request.data)
        step.is_valid(raise_exception=True)
        full = services.concept_note_shortlist(
            application=self.get_object(), user=request.user, comment=step.validated_data["comment"]
        )
        return self._answer(full, status.HTTP_201_CREATED)
