"""Every change to organisations and who acts for them: registering, inviting, joining; and API tokens."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from common.errors import DomainError, validate
from common.outbox import enqueue

from . import selectors, tasks
from .models import BankAccount, Invitation, Organisation, OrganisationRole, Role, User


def _name_taken(name: str) -> DomainError:
    return DomainError(
        _(
            "An organisation named “%(name)s” is already registered. To act for it, ask a colleague who "
            "already does to invite you, or contact the secretariat."
        )
        % {"name": name},
        field="name",
    )


@transaction.atomic
def organisation_register(
    *,
    user: User,
    name: str,
    kind: str,
    country: str,
    registration_number: str = "",
    website: str = "",
) -> Organisation:
    """Register the organisation of a person who acts for none yet; they become its first partner user.

    An organisation already registered (same name whatever its case, or same registration number
    in the same country) is refused: people join an existing organisation by invitation only.
    """
    if selectors.acts_for_an_organisation(user=user):
        raise DomainError(_("You already act for an organisation. Ask the secretariat to register another one."))
    name = " ".join(name.split())
    registration_number = registration_number.strip()
    if Organisation.objects.filter(name__iexact=name).exists():
        raise _name_taken(name)
    if (
        registration_number
        and Organisation.objects.filter(country=country, registration_number__iexact=registration_number).exists()
    ):
        raise DomainError(
            _("An organisation with this registration number in this country is already registered."),
            field="registration_number",
        )
    organisation = Organisation(
        name=name, kind=kind, country=country, registration_number=registration_number, website=website
    )
    validate(organisation)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # Someone registered the same name between our check and our insert.
        raise _name_taken(name) from None
    OrganisationRole.objects.create(user=user, organisation=organisation, role=Role.PARTNER)
    return organisation


@transaction.atomic
def invitation_create(*, organisation: Organisation, invited_by: User, email: str, site_url: str) -> Invitation:
    """Invite a colleague to act for `organisation` as a partner; the email leaves once this commits.

    `site_url` is the site's root address (e.g. https://portfolio.example.org/), for the link.
    """
    if not selectors.organisations_of(user=invited_by, role=Role.PARTNER).filter(pk=organisation.pk).exists():
        raise DomainError(
            _("Only people who act for %(organisation)s as partners can invite colleagues.")
            % {"organisation": organisation}
        )
    email = User.objects.normalize_email(email.strip()).lower()
    if OrganisationRole.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise DomainError(
            _("%(email)s already acts for %(organisation)s.") % {"email": email, "organisation": organisation},
            field="email",
        )
    waiting = selectors.pending_invitations().filter(organisation=organisation, email=email).first()
    if waiting:
        raise DomainError(
            _("%(email)s was already invited on %(date)s; that invitation is valid until %(until)s.")
            % {
                "email": email,
                "date": date_format(timezone.localtime(waiting.created_at)),
                "until": date_format(timezone.localtime(waiting.expires_at)),
            },
            field="email",
        )
    invitation = Invitation(
        organisation=organisation, email=email, invited_by=invited_by, token=secrets.token_urlsafe(32)
    )
    validate(invitation)
    invitation.save()
    enqueue(tasks.send_invitation, invitation.pk, site_url)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Invitation:
    """Make `user` a partner user of the organisation the invitation is for.

    Only once, within `Invitation.VALID_FOR`, and only by someone signed in with the verified
    address the invitation was sent to: otherwise nothing changes.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("organisation").filter(token=token).first()
    )
    if invitation is None:
        raise DomainError(
            _("This invitation link is not valid. Check that you opened the whole link, or ask for a new invitation.")
        )
    if invitation.is_accepted:
        raise DomainError(_("This invitation has already been used. Ask your colleague for a new one if you need it."))
    if invitation.is_expired():
        raise DomainError(
            _("This invitation expired on %(date)s. Ask your colleague to invite you again.")
            % {"date": date_format(timezone.localtime(invitation.expires_at))}
        )
    if invitation.email.lower() not in selectors.verified_emails(user=user):
        raise DomainError(
            _(
                "This invitation was sent to another email address. Log in with the address it was sent to, "
                "or ask your colleague to invite the address you use here."
            )
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    OrganisationRole.objects.get_or_create(user=user, organisation=invitation.organisation, role=Role.PARTNER)
    return invitation


@transaction.atomic
def token_create(*, user: User) -> Token:
    """A new API token for the user, replacing any they had (one per account); its key is shown only now."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def tokens_revoke(*, user: User) -> int:
    """End the user's API tokens; how many there were."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


# Bank accounts: what a payment goes to. Changing any of these makes the account unverified again.
BANK_DETAILS = ("account_holder", "bank_name", "bank_country", "iban", "account_number", "bic", "currency")


@transaction.atomic
def bank_account_save(
    *, organisation: Organisation, by: User, account: BankAccount | None = None, **fields
) -> BankAccount:
    """Enter an organisation's bank account, or change one: a new account, or one whose details changed, waits
    for a finance officer to verify it before anything is paid to it (changed bank details are the usual fraud)."""
    unknown = set(fields) - {*BANK_DETAILS, "is_active"}
    if unknown:
        raise DomainError(_("Unknown bank account fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if account is None:
        account = BankAccount(organisation=organisation)
    else:
        account = BankAccount.objects.select_for_update().get(pk=account.pk, organisation=organisation)
    before = {name: getattr(account, name) for name in BANK_DETAILS}
    for name, value in fields.items():
        setattr(account, name, value)
    validate(account)  # compacts the IBAN and BIC before they are compared
    if account.pk is None or any(str(getattr(account, name)) != str(before[name]) for name in BANK_DETAILS):
        account.verified_at, account.verified_by, account.entered_by = None, None, by
    account.save()
    return account


@transaction.atomic
def bank_account_verify(*, account: BankAccount, by: User) -> BankAccount:
    """A finance officer confirms the account against the bank's letter; never the person who entered it."""
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    if account.is_verified:
        raise DomainError(_("%(account)s is already verified.") % {"account": account})
    if not account.is_active:
        raise DomainError(_("%(account)s is no longer in use: it cannot be verified.") % {"account": account})
    if account.entered_by_id == by.pk:
        raise DomainError(
            _("You entered or last changed %(account)s: someone else must verify it.") % {"account": account}
        )
    account.verified_at, account.verified_by = timezone.now(), by
    account.save(update_fields=["verified_at", "verified_by"])
    return account


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language the user chose: their pages follow it on every device, their e-mails too."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("This language is not offered."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
