"""Forms of the accounts and organisation pages: they parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.errors import DomainError

from .models import BankAccount, OrganisationKind, User


class DomainErrorFormMixin:
    """Shows a service's `DomainError` beside the field it names, or above the form."""

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class SignupForm(forms.Form):
    """The fields allauth's signup form adds to email and password (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=User._meta.get_field("full_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("As your colleagues and the secretariat know you."),
    )

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class OrganisationForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=200,
        help_text=_("Its full official name, for example “Municipal Council of Jinja”."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=[("", "—"), *OrganisationKind.choices])
    country = forms.ChoiceField(
        label=_("Country"),
        choices=lambda: [("", "—"), *countries],
        help_text=_("Where the organisation is registered."),
    )
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=100,
        required=False,
        help_text=_("In your country's official register; leave empty for a public authority that has none."),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        help_text=_("For example https://www.example.org"),
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_registration_number(self) -> str:
        return self.cleaned_data["registration_number"].strip()


class InvitationForm(DomainErrorFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("Colleague's email address"),
        help_text=_("They receive a link that lets them act for the organisation too. It is valid for 14 days."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class BankAccountForm(DomainErrorFormMixin, forms.ModelForm):
    """A bank account as the partner types it; `bank_account_save` decides (and unverifies a changed one)."""

    class Meta:
        model = BankAccount
        fields = [
            "account_holder",
            "bank_name",
            "bank_country",
            "iban",
            "account_number",
            "bic",
            "currency",
            "is_active",
        ]
        widgets = {
            "iban": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            "account_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
            "bic": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        }

    def values(self) -> dict:
        return dict(self.cleaned_data)
