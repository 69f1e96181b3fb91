"""The demo's calls that fit the partnership: a two-stage Catalytic Fund call with an eligibility check and its
documents, and a call by invitation only. With DEBUG on, Jinja's concept note to the Catalytic Fund call is
reviewed and shortlisted, and its full proposal waits in draft for the demo partner (partner@example.org).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from common.records import ensure, ensure_m2m
from devtools.demo.logins import STAFF_LOGINS, _ensure_user
from grants import services
from grants.models import (
    AssessmentCriterion,
    Call,
    CallDocument,
    CallDocumentKind,
    CallInvitation,
    CallKind,
    CallQuestion,
    CallStage,
    EligibilityQuestion,
    Facility,
    QuestionKind,
    Theme,
)
from members.models import Organisation, OrganisationKind, User
from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER, role_group

CATALYTIC = "catalytic-fund-2027"
BY_INVITATION = "secondary-cities-learning-2027"

# A one-page PDF, enough for a download to open (demo data, not a real document).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_demo_calls() -> None:
    """The calls themselves (demo data, loaded with the portfolio); a second run changes nothing."""
    facility = Facility.objects.get(code="catalytic-fund")
    call = ensure(
        Call,
        {"reference": CATALYTIC},
        {
            "title": "Catalytic Fund 2027: climate-resilient urban planning",
            "description": (
                "Grants that help cities plan for floods and heat with the people most exposed. Send a concept "
                "note of two pages first; a shortlist is invited to send a full proposal. (Demo data.)"
            ),
            "facility": facility,
            "eligible_kinds": [OrganisationKind.LOCAL_GOVERNMENT, OrganisationKind.NATIONAL_GOVERNMENT],
            "opens_at": dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC),
            "closes_at": dt.datetime(2027, 4, 30, 17, 0, tzinfo=dt.UTC),
            "kind": CallKind.TWO_STAGE,
            "full_proposals_close_at": dt.datetime(2027, 7, 31, 17, 0, tzinfo=dt.UTC),
            "time_zone": "Africa/Nairobi",
            "currency": "USD",
            "ceiling": D("250000.00"),
            "envelope": D("2000000.00"),
            "reviews_required": 1,
            "is_published": True,
        },
    )
    ensure_m2m(call.themes, list(Theme.objects.filter(code__in=["resilience-climate"])))
    ensure(
        EligibilityQuestion,
        {"call": call, "order": 1},
        {
            "text": "Does a city or national government lead the application?",
            "qualifying_answer": True,
            "why_not": (
                "The Catalytic Fund funds plans a government owns: a city or national government leads, "
                "community organisations and NGOs join it as partners."
            ),
        },
    )
    ensure(
        EligibilityQuestion,
        {"call": call, "order": 2},
        {
            "text": "Has the city already adopted a climate action plan with its own budget?",
            "qualifying_answer": False,
            "why_not": (
                "This call funds the first plan of a city; cities with a funded plan may apply to the Innovation Fund."
            ),
        },
    )
    questions = [
        (CallStage.CONCEPT_NOTE, "idea", "The idea in a paragraph", QuestionKind.LONG_TEXT, 1200),
        (CallStage.CONCEPT_NOTE, "", "Who is most exposed to floods or heat in the city?", QuestionKind.LONG_TEXT, 800),
        (CallStage.FULL_PROPOSAL, "idea", "The idea, as the full proposal sets it out", QuestionKind.LONG_TEXT, 3000),
        (CallStage.FULL_PROPOSAL, "", "How residents take part in the plan", QuestionKind.LONG_TEXT, 2000),
    ]
    for order, (stage, key, label, kind, limit) in enumerate(questions, start=1):
        ensure(
            CallQuestion,
            {"call": call, "label": label},
            {"stage": stage, "key": key, "kind": kind, "max_length": limit, "required": True, "order": order},
        )
    criteria = [
        (CallStage.CONCEPT_NOTE, "Fit with the call", "1"),
        (CallStage.CONCEPT_NOTE, "Government ownership", "1"),
        (CallStage.FULL_PROPOSAL, "Quality of the plan", "3"),
        (CallStage.FULL_PROPOSAL, "Participation of the exposed", "2"),
        (CallStage.FULL_PROPOSAL, "Feasibility and budget", "2"),
    ]
    for order, (stage, name, weight) in enumerate(criteria, start=1):
        ensure(AssessmentCriterion, {"call": call, "name": name}, {"stage": stage, "weight": D(weight), "order": order})
    _document(call, "Terms of reference", CallDocumentKind.TERMS_OF_REFERENCE, "terms-of-reference.pdf", 1)
    _document(call, "Guidance for concept notes", CallDocumentKind.GUIDANCE, "concept-note-guidance.pdf", 2)

    invited = ensure(
        Call,
        {"reference": BY_INVITATION},
        {
            "title": "Secondary cities learning exchange 2027 (by invitation)",
            "description": (
                "Peer learning grants for the secondary cities of the Uganda country programme, by invitation "
                "of the secretariat. (Demo data.)"
            ),
            "facility": Facility.objects.get(code="innovation-fund"),
            "opens_at": dt.datetime(2026, 11, 15, 8, 0, tzinfo=dt.UTC),
            "closes_at": dt.datetime(2027, 2, 28, 17, 0, tzinfo=dt.UTC),
            "time_zone": "Africa/Kampala",
            "currency": "USD",
            "ceiling": D("50000.00"),
            "envelope": D("300000.00"),
            "invitation_only": True,
            "is_published": True,
        },
    )
    for short_name in ("Jinja",):
        organisation = Organisation.objects.filter(short_name=short_name).first()
        if organisation:
            ensure(CallInvitation, {"call": invited, "organisation": organisation})


def _document(call: Call, title: str, kind: str, name: str, order: int) -> None:
    if CallDocument.objects.filter(call=call, title=title).exists():
        return
    document = CallDocument(call=call, title=title, kind=kind, order=order, file=ContentFile(DEMO_PDF, name=name))
    document.full_clean()
    document.save()


def _staff(role: str) -> User:
    email, name, _role = next(login for login in STAFF_LOGINS if login[2] == role)
    user = _ensure_user(email, name, is_staff=True)
    user.groups.add(role_group(role))
    return user


@transaction.atomic
def load_demo_concept_notes(partner: User, organisation: Organisation) -> None:
    """Jinja's concept note, shortlisted, and its full proposal in draft: only with DEBUG on (demo logins act),
    while the call takes concept notes, and once."""
    call = Call.objects.filter(reference=CATALYTIC).first()
    if not settings.DEBUG or call is None or not call.is_open() or call.applications.exists():
        return
    questions = {question.label: question.pk for question in call.questions.all()}
    concept = services.application_start(
        call=call,
        organisation=organisation,
        user=partner,
        eligibility={str(q.pk): "yes" if q.qualifying_answer else "no" for q in call.eligibility_questions.all()},
    )
    services.application_save(
        application=concept,
        user=partner,
        fields={
            "title": "Jinja flood-resilient lakeside plan",
            "summary": (
                "A plan for the lakeside settlements of Jinja, drawn up with their residents, for drainage, "
                "early warning and safe land for those living in the flood zone."
            ),
            "countries": ["UG"],
            "start_date": dt.date(2027, 9, 1),
            "end_date": dt.date(2029, 8, 31),
            "requested_amount": D("180000.00"),
            "co_financing": D("30000.00"),
            "expected_results": "A flood-resilience plan adopted by the council; 4,000 residents mapped and consulted.",
        },
        budget_lines=[
            services.BudgetLineInput(category="consultants", amount=D("90000.00"), description="Planning team"),
            services.BudgetLineInput(category="events", amount=D("40000.00"), description="Settlement forums"),
            services.BudgetLineInput(category="equipment", amount=D("50000.00"), description="Flood gauges"),
        ],
        answers={
            questions["The idea in a paragraph"]: (
                "Residents of the lakeside settlements map where water stands after rain; the council plans "
                "drainage and safe land with them."
            ),
            questions["Who is most exposed to floods or heat in the city?"]: (
                "About 12,000 people in Masese and Walukuba, most of them renting, many women-headed households."
            ),
        },
        city_names=["Jinja"],
    )
    services.application_submit(application=concept, user=partner)
    officer, director = _staff(PROGRAMME_OFFICER), _staff(GRANTS_COMMITTEE)
    services.application_screen(application=concept, user=officer, to_status="screening")
    services.application_screen(application=concept, user=officer, to_status="in_review")
    review = services.reviewer_assign(application=concept, reviewer=officer, assigned_by=officer)
    services.review_submit(
        review=review,
        user=officer,
        no_conflict=True,
        scores={criterion.pk: (4, "Clear and owned by the council.") for criterion in concept.criteria},
        overall_comment="A strong concept note.",
    )
    services.concept_note_shortlist(
        application=concept, user=director, comment=f"Shortlisted on {timezone.localdate():%d %b %Y}."
    )
