"""Which donors a user sees: every donor for staff who may see donor reports, those it acts for otherwise.

A donor outside a user's reach is not found, whatever its id, so a guessed id answers 404."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from common.permissions import may
from grants.models import Contribution, ContributionStatus
from members.models import Organisation, Role, User
from members.selectors import organisations_of


def donors() -> QuerySet[Organisation]:
    """Organisations with at least one contribution."""
    return Organisation.objects.filter(pk__in=Contribution.objects.values("donor_id")).order_by("name")


def donors_active_between(start: dt.date, end: dt.date) -> QuerySet[Organisation]:
    """Donors with an agreement, not cancelled, that runs at some point between `start` and `end`."""
    running = Contribution.objects.exclude(status=ContributionStatus.CANCELLED).filter(
        start_date__lte=end, end_date__gte=start
    )
    return Organisation.objects.filter(pk__in=running.values("donor_id")).order_by("name")


def donors_of(user: User) -> QuerySet[Organisation]:
    """The donors whose dashboards `user` may see: all for staff who may see donor reports, those it acts for
    as a donor otherwise."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if sees_every_donor(user):
        return donors()
    return organisations_of(user=user, role=Role.DONOR)


def sees_every_donor(user: User) -> bool:
    return may(user, "donors.view_donorreport")


def acts_for_donor(user: User, donor: Organisation) -> bool:
    return organisations_of(user=user, role=Role.DONOR).filter(pk=donor.pk).exists()


def acts_for_a_donor(user: User) -> bool:
    return organisations_of(user=user, role=Role.DONOR).exists()


def donor_for(user: User, pk: int) -> Organisation:
    """One donor the user may see; Organisation.DoesNotExist otherwise, whatever the id."""
    return donors_of(user).get(pk=pk)
