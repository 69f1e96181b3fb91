"""Forms of the partner portal: they parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import OrganisationKind

from .models import Application, BudgetCategory, Call, CallQuestion, QuestionKind
from .models.messages import BODY_MAX_LENGTH as MESSAGE_MAX_LENGTH
from .models.updates import CAPTION_MAX_LENGTH as UPDATE_CAPTION_MAX_LENGTH
from .models.updates import TEXT_MAX_LENGTH as UPDATE_TEXT_MAX_LENGTH
from .models.updates import TITLE_MAX_LENGTH as UPDATE_TITLE_MAX_LENGTH
from .services.messages import FILES_PER_MESSAGE
from .services.updates import PHOTOS_PER_UPDATE


class DateInput(forms.DateInput):
    input_type = "date"


class ApplicationForm(forms.ModelForm):
    city_names = forms.CharField(
        label=_("Target cities"),
        required=False,
        help_text=_(
            "Separate the names with commas; with several target countries, add each city's country code: Jinja (UG). "
            "A city the portfolio does not know yet is proposed to the secretariat, which confirms it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Application
        fields = [
            "title",
            "summary",
            "countries",
            "city_names",
            "start_date",
            "end_date",
            "requested_amount",
            "co_financing",
            "expected_results",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 5}),
            "expected_results": forms.Textarea(attrs={"rows": 5}),
            "countries": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["city_names"] = ", ".join(city.name for city in self.instance.cities.all())
        currency = self.instance.call.currency
        self.fields["requested_amount"].label = _("Amount requested (%(currency)s)") % {"currency": currency}
        self.fields["co_financing"].label = _("Co-financing (%(currency)s)") % {"currency": currency}
        self.fields["requested_amount"].required = False
        from .services.applications import REQUIRED_TO_SUBMIT

        for name in REQUIRED_TO_SUBMIT:
            mark_required(self.fields[name])
        self.fields["city_names"].widget.attrs["data-suggest-url"] = reverse("grants:city-suggestions")

    def _post_clean(self):
        """Completeness is the services' business; only parse here."""

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "city_names"}

    def city_list(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("city_names", "").split(",") if name.strip()]


def mark_required(field: forms.Field) -> None:
    """Say on the label, and to assistive technology, that submitting needs the field; saving a draft does not."""
    field.required_mark = True
    field.plain_label = field.label
    field.label = format_html('{} <span class="required-mark">{}</span>', field.label, _("(required)"))
    field.widget.attrs["aria-required"] = "true"


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *BudgetCategory.choices], required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is not None and not cleaned.get("category"):
            self.add_error("category", _("Choose a category for this amount."))
        return cleaned


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=2)


def question_field(question: CallQuestion) -> forms.Field:
    common = {"label": question.label, "help_text": question.help_text, "required": False}
    if question.kind == QuestionKind.LONG_TEXT:
        # The limit is the service's to enforce; the widget's maxlength gives the page its counter.
        limit = {"maxlength": question.max_length} if question.max_length else {}
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, **limit}), **common)
    if question.kind in (QuestionKind.NUMBER, QuestionKind.AMOUNT):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if question.kind == QuestionKind.DATE:
        return forms.CharField(widget=DateInput(), **common)
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((o, o) for o in question.options)], **common)
    return forms.CharField(max_length=min(question.max_length or 500, 500), **common)


class QuestionsForm(forms.Form):
    """The call's own questions; file questions are answered with an upload."""

    def __init__(self, *args, questions: list[CallQuestion], answers: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.call_questions = questions
        for question in self.call_questions:
            if question.kind == QuestionKind.FILE:
                continue
            name = f"question_{question.pk}"
            self.fields[name] = question_field(question)
            if question.required:
                mark_required(self.fields[name])
            self.initial[name] = answers.get(question.pk, "")

    def answers(self) -> dict[int, str]:
        return {int(name.removeprefix("question_")): value or "" for name, value in self.cleaned_data.items()}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    question = forms.ModelChoiceField(
        label=_("Answers the question"), queryset=CallQuestion.objects.none(), required=False
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = application.call.questions.filter(
            kind=QuestionKind.FILE, stage=application.stage
        )
        self.fields["file"].help_text = _("PDF, XLSX, DOCX, PNG or JPEG, up to %(size)g MB.") % {
            "size": settings.UPLOAD_MAX_BYTES / 1_000_000
        }


class ReviewForm(forms.Form):
    """A reviewer's declaration and a score with a comment for each of the call's criteria."""

    no_conflict = forms.BooleanField(label=_("I have no conflict of interest with this applicant"), required=False)
    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    SCORES = [("", "—"), *((str(n), str(n)) for n in range(6))]

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=_("Score: %(name)s") % {"name": criterion.name},
                choices=self.SCORES,
                required=False,
                help_text=criterion.description or _("0 (poor) to 5 (excellent)"),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment: %(name)s") % {"name": criterion.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def scores(self) -> dict[int, tuple[str | None, str]]:
        return {
            c.pk: (self.cleaned_data[f"criterion_{c.pk}"] or None, self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class ApplicationDraftForms:
    """The parts of the application form, read from one post: the proposal, its budget, the call's questions
    and a file to attach. They parse; `draft()` gives the service its input and `show()` puts the service's
    refusals back by their fields."""

    def __init__(self, request, application: Application):
        data = request.POST if request.method == "POST" else None
        answers = {answer.question_id: answer.value for answer in application.answers.all()}
        saved_lines = [
            {"category": line.category, "description": line.description, "amount": line.amount}
            for line in application.budget_lines.all()
        ]
        self.form = ApplicationForm(data, instance=application)
        # Bound forms compare with `initial` and drop lines that did not change: give it only to the blank form.
        self.budget = BudgetLineFormSet(data, prefix="budget", initial=None if data else saved_lines)
        self.questions = QuestionsForm(data, questions=application.questions, answers=answers)
        # Bound only when a file is sent: a plain save is no failed upload.
        files = request.FILES or None
        self.upload = UploadForm(data if files else None, files, application=application)
        self._files = request.FILES
        self.file_errors: list[str] = []  # a refused file, or a file question without its file

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.budget.is_valid(), self.questions.is_valid()])

    def draft(self) -> dict:
        from .services import BudgetLineInput

        lines = [line for line in self.budget.cleaned_data if line and line.get("amount") is not None]
        return {
            "fields": self.form.values(),
            "budget_lines": [
                BudgetLineInput(line["category"], line["amount"], line.get("description", "")) for line in lines
            ],
            "answers": self.questions.answers(),
            "city_names": self.form.city_list(),
        }

    def upload_given(self) -> bool:
        return "file" in self._files

    def upload_values(self) -> dict:
        from .services import ApplicationError

        if not self.upload_given():
            raise ApplicationError(_("Choose a file to upload."), field="file")
        if not self.upload.is_valid():
            raise ApplicationError(" ".join(e for errors in self.upload.errors.values() for e in errors), field="file")
        return {"upload": self.upload.cleaned_data["file"], "question": self.upload.cleaned_data["question"]}

    def show(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                if field in self.form.fields:
                    self.form.add_error(field, message)
                elif field in self.questions.fields:
                    self.questions.add_error(field, message)
                elif field == "budget":
                    self.budget._non_form_errors = self.budget.error_class([*self.budget.non_form_errors(), message])
                elif field.startswith("question_"):  # a file question: its file is missing
                    self.file_errors.append(f"{self.labels().get(field, '')}: {message}")
                else:
                    self.form.add_error(None, message)

    def labels(self) -> dict[str, str]:
        """Each field's label by its name, for messages listed away from the form."""
        fields = [*self.form.fields.items(), *self.questions.fields.items()]
        labels = {name: str(getattr(field, "plain_label", field.label)) for name, field in fields}
        labels["budget"] = str(_("Budget"))
        for question in self.questions.call_questions:
            labels.setdefault(f"question_{question.pk}", question.label)
        return labels

    def summary(self) -> list[tuple[str, str]]:
        """Every message on the page with the id of the control it is about, for the summary at its top."""
        labels = self.labels()
        items = [("", message) for message in self.form.non_field_errors()]
        for name, errors in [*self.form.errors.items(), *self.questions.errors.items()]:
            items += [(f"id_{name}", f"{labels[name]}: {message}") for message in errors if name != "__all__"]
        items += [("budget-title", message) for message in self.budget.non_form_errors()]
        for index, line in enumerate(self.budget.errors if self.budget.is_bound else []):
            items += [
                (
                    f"id_budget-{index}-{name}",
                    _("Budget line %(number)s: %(message)s") % {"number": index + 1, "message": message},
                )
                for name, errors in line.items()
                for message in errors
            ]
        items += [("id_file", message) for message in self.file_errors]
        return items


class PaymentRequestForm(forms.Form):
    """A partner's request for (part of) a released tranche; the service decides, this form only parses."""

    tranche = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    bank_account = forms.TypedChoiceField(label=_("Pay into"), coerce=int)
    note = forms.CharField(label=_("Note for the secretariat (optional)"), max_length=250, required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {account.pk: account for account in accounts}
        self.fields["bank_account"].choices = [
            (account.pk, f"{account.bank_name} {account.masked_number} ({account.account_holder})")
            for account in accounts
        ]


class AmendmentForm(forms.Form):
    """What a request proposes besides its budget lines; the fields shown depend on the kind."""

    reason = forms.CharField(
        label=_("Why should the agreement change?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    new_end_date = forms.DateField(label=_("New end date"), widget=DateInput(), required=False)
    additional_amount = forms.DecimalField(
        label=_("Additional amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    tranche_date = forms.DateField(
        label=_("Date the additional amount is paid"),
        widget=DateInput(),
        required=False,
        help_text=_("One new tranche pays the whole additional amount."),
    )
    tranche_condition = forms.CharField(
        label=_("What releases that tranche (optional)"), max_length=200, required=False
    )

    FIELDS_OF_KIND = {
        "budget_revision": ("reason",),
        "no_cost_extension": ("reason", "new_end_date"),
        "cost_extension": ("reason", "additional_amount", "tranche_date", "tranche_condition", "new_end_date"),
    }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in self.FIELDS_OF_KIND[kind]:
                del self.fields[name]
        if kind == "no_cost_extension":
            self.fields["new_end_date"].required = True
        if kind == "cost_extension":
            self.fields["additional_amount"].required = True
            self.fields["tranche_date"].required = True
            self.fields["new_end_date"].label = _("New end date (optional)")


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (required to decline; the partner reads it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by its content in the service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class MessageForm(forms.Form):
    """A message of a record's conversation, with its files; the same form in the portal and the admin."""

    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MESSAGE_MAX_LENGTH
    )
    files = MultipleFileField(label=_("Files (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "Up to %(n)s files: PDF, XLSX, DOCX, PNG or JPEG, up to %(size)g MB each."
        ) % {
            "n": FILES_PER_MESSAGE,
            "size": settings.UPLOAD_MAX_BYTES / 1_000_000,
        }


class EligibilityForm(forms.Form):
    """A call's eligibility check: the kind of organisation when the call accepts only some, and its yes/no
    questions. Anyone may answer it, with or without an account."""

    YES_NO = [("yes", _("Yes")), ("no", _("No"))]

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        if call.eligible_kinds:
            self.fields["kind"] = forms.ChoiceField(
                label=_("What kind of organisation would apply?"),
                choices=[("", "—"), *OrganisationKind.choices],
            )
        for question in call.eligibility_questions.all():
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=self.YES_NO,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, str]:
        return {name[1:]: value for name, value in self.cleaned_data.items() if name.startswith("q")}


class ProjectUpdateForm(forms.Form):
    """A project update with up to `PHOTOS_PER_UPDATE` photos, each with its caption (its text for screen
    readers): fixed pairs of fields, so that the form works without JavaScript."""

    title = forms.CharField(label=_("Title"), max_length=UPDATE_TITLE_MAX_LENGTH)
    text = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=UPDATE_TEXT_MAX_LENGTH,
    )
    event_date = forms.DateField(label=_("Date of the news (optional)"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _("Up to %(n)s characters.") % {"n": UPDATE_TEXT_MAX_LENGTH}
        for number in range(1, PHOTOS_PER_UPDATE + 1):
            self.fields[f"photo_{number}"] = forms.FileField(
                label=_("Photo %(n)s") % {"n": number},
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
                help_text=_("JPEG or PNG, up to %(size)g MB. Its location and camera data are removed.")
                % {"size": settings.UPLOAD_MAX_BYTES / 1_000_000}
                if number == 1
                else "",
            )
            self.fields[f"caption_{number}"] = forms.CharField(
                label=_("What photo %(n)s shows") % {"n": number},
                required=False,
                max_length=UPDATE_CAPTION_MAX_LENGTH,
                help_text=_("Read out to those who cannot see the photo.") if number == 1 else "",
            )

    def photo_fields(self) -> list[tuple]:
        return [(self[f"photo_{n}"], self[f"caption_{n}"]) for n in range(1, PHOTOS_PER_UPDATE + 1)]

    def clean(self):
        data = super().clean()
        for number in range(1, PHOTOS_PER_UPDATE + 1):
            if data.get(f"photo_{number}") and not (data.get(f"caption_{number}") or "").strip():
                self.add_error(
                    f"caption_{number}", _("Describe the photo: the caption is its text for screen readers.")
                )
        return data

    def photos(self) -> list:
        from .services.updates import PhotoUpload

        return [
            PhotoUpload(file=self.cleaned_data[f"photo_{n}"], caption=self.cleaned_data.get(f"caption_{n}", ""))
            for n in range(1, PHOTOS_PER_UPDATE + 1)
            if self.cleaned_data.get(f"photo_{n}")
        ]
