"""Forms of the partner portal: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Application, BudgetCategory, Call, CallQuestion, QuestionKind


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

    def _post_clean(self):
        """Completeness is the services' business; only parse here."""

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "city_names"}

    def city_list(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("city_names", "").split(",") if name.strip()]


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
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if question.kind in (QuestionKind.NUMBER, QuestionKind.AMOUNT):
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if question.kind == QuestionKind.DATE:
        return forms.CharField(widget=DateInput(), **common)
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((o, o) for o in question.options)], **common)
    return forms.CharField(max_length=500, **common)


class QuestionsForm(forms.Form):
    """The call's own questions; file questions are answered with an upload."""

    def __init__(self, *args, call: Call, answers: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        for question in call.questions.all():
            if question.kind == QuestionKind.FILE:
                continue
            name = f"question_{question.pk}"
            self.fields[name] = question_field(question)
            self.fields[name].required_mark = question.required
            self.initial[name] = answers.get(question.pk, "")

    def answers(self) -> dict[int, str]:
        return {int(name.removeprefix("question_")): value or "" for name, value in self.cleaned_data.items()}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    question = forms.ModelChoiceField(
        label=_("Answers the question"), queryset=CallQuestion.objects.none(), required=False
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = call.questions.filter(kind=QuestionKind.FILE)
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
