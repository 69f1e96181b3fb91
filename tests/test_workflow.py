"""The shared workflow helper: a step outside the table is refused, an allowed one is kept and saved."""

from __future__ import annotations

import pytest

from common.errors import DomainError
from common.workflow import Workflow
from grants.models import Application, ApplicationStatus
from tests.factories import ApplicationFactory, StaffFactory

S = ApplicationStatus
pytestmark = pytest.mark.django_db

TABLE = {(S.DRAFT, S.SUBMITTED): "writer", (S.SUBMITTED, S.SCREENING): "checker"}
FLOW = Workflow(TABLE, refusal="A thing that is %(status)s cannot go to %(to)s.")


class ThingError(DomainError):
    pass


def history(application: Application) -> list[tuple[str, str, int, str]]:
    return list(application.transitions.values_list("from_status", "to_status", "by_id", "comment"))


def test_a_step_not_in_the_table_is_refused_with_the_callers_error_and_nothing_changes():
    application = ApplicationFactory()

    with pytest.raises(ThingError) as refusal:
        FLOW.move(application, S.SCREENING, actor="checker", by=StaffFactory(), error=ThingError)

    assert refusal.value.message == "A thing that is draft cannot go to screening."
    assert Application.objects.get(pk=application.pk).status == S.DRAFT
    assert history(application) == []


@pytest.mark.parametrize("actor", ["checker", None])
def test_a_step_in_the_table_is_refused_to_anyone_but_its_actor(actor):
    application = ApplicationFactory()

    with pytest.raises(DomainError) as refusal:
        FLOW.move(application, S.SUBMITTED, actor=actor, by=application.created_by)

    assert refusal.value.message == "A thing that is draft cannot go to submitted."
    assert Application.objects.get(pk=application.pk).status == S.DRAFT
    assert history(application) == []


def test_an_allowed_step_is_kept_and_saves_the_status_with_the_changes_given_and_nothing_else():
    application = ApplicationFactory(title="Before")
    before = Application.objects.get(pk=application.pk).updated_at
    application.title = "Typed but not given to the step"

    FLOW.move(application, S.SUBMITTED, actor="writer", by=application.created_by, comment="Ready", summary="Given")

    saved = Application.objects.get(pk=application.pk)
    assert (saved.status, saved.summary, saved.title) == (S.SUBMITTED, "Given", "Before")
    assert saved.updated_at > before
    assert history(application) == [(S.DRAFT, S.SUBMITTED, application.created_by.pk, "Ready")]


def test_next_steps_are_the_actors_steps_from_the_current_status():
    application = ApplicationFactory(status=S.SUBMITTED)

    assert FLOW.next_steps(application, "checker") == [S.SCREENING]
    assert FLOW.next_steps(application, "writer") == []
    assert FLOW.is_allowed(application, S.SCREENING, "checker")
    assert not FLOW.is_allowed(application, S.SCREENING, None)
