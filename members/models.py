"""Who takes part: the members and their constituencies, governance, users and their roles."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from simple_history.models import HistoricalRecords

from common.money import CurrencyField, currency_shape_check


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email: str):
        """Email addresses sign in whatever their case."""
        return self.get(email__iexact=email)

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_staff = models.BooleanField(
        _("secretariat staff"), default=False, help_text=_("Can sign in to the secretariat's admin.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages and e-mails are in this language; empty follows the browser (English in e-mails)."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Constituency(models.Model):
    """One of the six groups of members represented at the Assembly and on the Board."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("constituency")
        verbose_name_plural = _("constituencies")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    NATIONAL_GOVERNMENT = "national_government", _("National government")
    LOCAL_GOVERNMENT = "local_government", _("City or local government")
    LOCAL_GOVERNMENT_ASSOCIATION = "lga", _("Association of local governments")
    MULTILATERAL = "multilateral", _("Multilateral institution")
    UN_AGENCY = "un_agency", _("United Nations agency")
    NGO = "ngo", _("Non-governmental organisation")
    PRIVATE_FOUNDATION = "private", _("Private sector or foundation")
    UNIVERSITY = "university", _("University or knowledge network")
    COMMUNITY = "community", _("Community organisation")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """Any body the partnership deals with: member, donor, grantee, contract partner."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    country = CountryField(_("country"), blank=True, help_text=_("Leave empty for international bodies."))
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        help_text=_("For example CH-4 or XM-DAC-41AAA; see the IATI organisation registry."),
    )
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    reporting_currency = CurrencyField(
        _("reporting currency"),
        blank=True,
        help_text=_(
            "A donor's dashboard, CSV files and reports show their totals in this currency. Leave empty for the "
            "currency of its contributions (the partnership's reporting currency when they are in several)."
        ),
    )
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Illustrative record loaded with the demo portfolio.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["country"], name="organisation_country")]  # the admin list's filter
        constraints = [
            models.UniqueConstraint(
                fields=["iati_identifier"],
                condition=~Q(iati_identifier=""),
                name="organisation_iati_identifier_unique",
                violation_error_message=_("Another organisation already has this IATI identifier."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class BankAccount(models.Model):
    """An organisation's bank account on file: where its grants are paid.

    Partners or staff enter it; a finance officer verifies it against a bank letter before any payment goes to it,
    and a changed account is verified again (fraud most often changes bank details).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="bank_accounts", verbose_name=_("organisation")
    )
    account_holder = models.CharField(_("account holder"), max_length=140)
    bank_name = models.CharField(_("bank"), max_length=140)
    bank_country = CountryField(_("bank's country"))
    iban = models.CharField(
        _("IBAN"), max_length=34, blank=True, help_text=_("Where the bank's country uses IBANs; spaces are ignored.")
    )
    account_number = models.CharField(
        _("account number"), max_length=40, blank=True, help_text=_("Only where the country has no IBAN.")
    )
    bic = models.CharField(_("BIC (SWIFT code)"), max_length=11, help_text=_("8 or 11 characters."))
    currency = CurrencyField(_("currency of the account"))
    is_active = models.BooleanField(_("in use"), default=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        "User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )
    entered_by = models.ForeignKey(
        "User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("entered or last changed by"),
    )
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["organisation", "-is_active", "-created_at"]
        permissions = [("verify_bankaccount", _("Can verify bank accounts"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(entered_by__isnull=True) | ~Q(verified_by=F("entered_by")),
                name="bank_account_verifier_is_not_enterer",
                violation_error_message=_("The person who entered a bank account cannot verify it."),
            ),
            models.CheckConstraint(
                condition=~Q(iban="") | ~Q(account_number=""),
                name="bank_account_has_a_number",
                violation_error_message=_("Give the IBAN or, where the country has none, the account number."),
            ),
            currency_shape_check("currency", "bank_account_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.masked_number} ({self.currency})"

    @property
    def number(self) -> str:
        return self.iban or self.account_number

    @property
    def masked_number(self) -> str:
        """The last four characters only, for pages and e-mails that need not show the whole number."""
        return "…" + self.number[-4:]

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def clean_fields(self, exclude=None) -> None:
        # Numbers are typed as printed on bank letters, in groups and any case; they are kept compact.
        self.iban = "".join(self.iban.split()).upper()
        self.bic = "".join(self.bic.split()).upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.iban:
            try:
                iban = IBAN(self.iban)
            except SchwiftyException as error:
                errors["iban"] = _("This IBAN is not valid: %(reason)s.") % {"reason": str(error).rstrip(".")}
            else:
                if self.bank_country and iban.country_code != str(self.bank_country):
                    errors["iban"] = _("This IBAN belongs to a bank in %(code)s, not in the bank's country.") % {
                        "code": iban.country_code
                    }
        if self.bic:
            try:
                BIC(self.bic)
            except SchwiftyException as error:
                errors["bic"] = _("This BIC is not valid: %(reason)s.") % {"reason": str(error).rstrip(".")}
        if errors:
            raise ValidationError(errors)


class MembershipKind(models.TextChoices):
    FULL = "full", _("Full member")
    ASSOCIATE = "associate", _("Associate member")


class Membership(models.Model):
    """An organisation's membership of the partnership, in one constituency, for a period."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("constituency")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MembershipKind.choices, default=MembershipKind.FULL)
    since = models.DateField(_("member since"))
    until = models.DateField(_("member until"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "-since"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="membership_until_not_before_since",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "since"],
                name="membership_unique_start",
                violation_error_message=_("This organisation already has a membership starting on that date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_kind_display()} ({self.constituency})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.since <= on and (self.until is None or self.until >= on)


class GoverningBodyKind(models.TextChoices):
    ASSEMBLY = "assembly", _("Assembly")
    MANAGEMENT_BOARD = "board", _("Management Board")


class GoverningBody(models.Model):
    """The Assembly of all members, or the Management Board with its fixed number of seats."""

    kind = models.CharField(_("kind"), max_length=10, choices=GoverningBodyKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    seat_count = models.PositiveSmallIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Fixed number of seats; empty when every member sits.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("governing body")
        verbose_name_plural = _("governing bodies")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seat_count__isnull=True) | Q(seat_count__gt=0),
                name="governing_body_seat_count_positive",
                violation_error_message=_("A body with seats has at least one."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    """A numbered seat on a governing body, held for a constituency."""

    body = models.ForeignKey(GoverningBody, on_delete=models.CASCADE, related_name="seats", verbose_name=_("body"))
    number = models.PositiveSmallIntegerField(_("seat number"))
    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="seats", verbose_name=_("constituency")
    )

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["body", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"],
                name="seat_unique_number",
                violation_error_message=_("This body already has a seat with that number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0), name="seat_number_positive", violation_error_message=_("Seats count from 1.")
            ),
        ]

    def __str__(self) -> str:
        return _("%(body)s seat %(number)s") % {"body": self.body, "number": self.number}

    def clean(self) -> None:
        super().clean()
        if self.body_id and self.body.seat_count and self.number and self.number > self.body.seat_count:
            raise ValidationError(
                {"number": _("%(body)s has %(count)s seats.") % {"body": self.body, "count": self.body.seat_count}}
            )


class SeatTerm(models.Model):
    """Who holds a seat, and for how long."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="terms", verbose_name=_("seat"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="seat_terms", verbose_name=_("organisation")
    )
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("seat term")
        verbose_name_plural = _("seat terms")
        ordering = ["seat", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="seat_term_end_not_before_start",
                violation_error_message=_("A term cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seat}: {self.organisation}"

    def clean(self) -> None:
        super().clean()
        if not (self.seat_id and self.start_date):
            return
        overlapping = SeatTerm.objects.filter(seat_id=self.seat_id).exclude(pk=self.pk)
        overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
        if self.end_date:
            overlapping = overlapping.filter(start_date__lte=self.end_date)
        if overlapping.exists():
            raise ValidationError(_("This seat already has a holder for part of that period."))


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    DONOR = "donor", _("Donor")
    PARTNER = "partner", _("Partner")
    REVIEWER = "reviewer", _("Reviewer")


class OrganisationRole(models.Model):
    """A user acting for an organisation in one role: the basis of every permission."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_roles", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="user_roles", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                name="organisation_role_unique",
                violation_error_message=_("This user already has that role for this organisation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class Invitation(models.Model):
    """A partner's invitation to a colleague, by email, to act for their organisation too.

    The token in the link is the only proof: whoever follows it must be signed in with the
    verified address it was sent to, within `VALID_FOR`, and only once.
    """

    VALID_FOR = timedelta(days=14)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("email address"))
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("email sent"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        verbose_name=_("accepted by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_by__isnull=True) | Q(accepted_at__isnull=False),
                name="invitation_accepted_by_has_date",
                violation_error_message=_("An accepted invitation records when it was accepted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def expires_at(self):
        return self.created_at + self.VALID_FOR

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None
