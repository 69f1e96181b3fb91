"""Results against targets of the projects a donor funds."""

from __future__ import annotations

from members.models import Organisation
from results.selectors import OutcomeProgress, donor_progress


def donor_results(donor: Organisation) -> list[OutcomeProgress]:
    """Results against targets of the projects the donor funds (approved reports only)."""
    return donor_progress(donor=donor.pk)
