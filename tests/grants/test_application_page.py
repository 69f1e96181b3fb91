"""The staff application page: every answer, attachment, the budget with its totals, each review's scores and
comments and the application's rank in its call, in the same number of queries however much there is."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import ApplicationStatus, BudgetCategory, QuestionKind
from grants.services import attachment_add
from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    BudgetLineFactory,
    CallFactory,
    CallQuestionFactory,
    OrganisationFactory,
    ReviewFactory,
    UserFactory,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def text(html: str) -> str:
    """The page's text with tags and repeated spaces removed, as a reader sees it."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def an_application(call, *, questions: int, lines: int, reviews: int, files: int, title: str = "Clean water"):
    """An application in review answering each of the call's questions, with budget lines, files (one answering
    the call's file question) and reviews; the call's criteria are its own."""
    application = ApplicationFactory(call=call, title=title)  # a draft, to which its partner attaches files
    partner = application.created_by
    for n, question in enumerate(call.questions.exclude(kind=QuestionKind.FILE)[:questions]):
        application.answers.create(question=question, value=f"Answer {n} to {question.label}")
    file_question = call.questions.filter(kind=QuestionKind.FILE).first()
    for n in range(files):
        upload = SimpleUploadedFile(f"file-{n}.pdf", PDF)
        attachment_add(application=application, user=partner, upload=upload, question=file_question if n == 0 else None)
    categories = list(BudgetCategory)
    for n in range(lines):
        BudgetLineFactory(
            application=application, category=categories[n % 2], description=f"Line {n}", amount=1000 * (n + 1)
        )
    total = sum(1000 * (n + 1) for n in range(lines))
    type(application).objects.filter(pk=application.pk).update(
        status=ApplicationStatus.IN_REVIEW, requested_amount=total or None
    )
    criteria = list(call.criteria.all())
    for n in range(reviews):
        ReviewFactory(
            application=application,
            reviewer=UserFactory(full_name=f"Reviewer {title} {n}"),
            submitted=True,
            overall_comment=f"Overall {n}: fund it.",
            scores={criterion: (n + index) % 6 for index, criterion in enumerate(criteria)},
        )
    application.refresh_from_db()
    return application


def a_call(*, questions: int, criteria: int):
    call = CallFactory(reviews_required=2)
    for n in range(questions):
        CallQuestionFactory(call=call, label=f"Question {n}?", kind=QuestionKind.SHORT_TEXT)
    CallQuestionFactory(call=call, label="Letter of support", kind=QuestionKind.FILE, required=False)
    for n in range(criteria):
        AssessmentCriterionFactory(call=call, name=f"Criterion {n}", weight=Decimal(n + 1))
    return call


def test_staff_see_every_answer_file_budget_line_review_and_the_rank(client, media):
    call = a_call(questions=2, criteria=2)
    application = an_application(call, questions=2, lines=3, reviews=2, files=2)
    stronger = an_application(call, questions=0, lines=1, reviews=1, files=0, title="Stronger")
    for review in stronger.reviews.all():
        review.scores.update(score=5)
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    html = client.get(reverse("admin:grants_application_change", args=[application.pk])).content.decode()
    page = text(html)

    assert "Question 0? (required) Answer 0 to Question 0?" in page
    assert "Question 1? (required) Answer 1 to Question 1?" in page
    files = {f.original_name: f.pk for f in application.attachments.all()}
    letter, other = sorted(files)
    assert f'<a href="{reverse("grants:attachment", args=[files[letter]])}">{letter}</a>' in html
    assert "Letter of support (required)" not in page and f"Letter of support {letter}" in page
    assert f'<a href="{reverse("grants:attachment", args=[files[other]])}">{other}</a>' in html
    # Budget: the lines, a total per category and the grand total, beside the amount requested.
    assert "Staff Line 0 USD 1,000.00" in page and "Consultants and experts Line 1 USD 2,000.00" in page
    assert "Staff USD 4,000.00" in page and "Consultants and experts USD 2,000.00" in page
    assert "Total USD 6,000.00 Amount requested USD 6,000.00" in page
    # Each review: every criterion's weight, score and comment, its weighted score and overall comment.
    assert "2 of the 2 completed reviews the call needs." in page
    assert "Criterion 0 1.00 0 Criterion 0: scored 0 Criterion 1 2.00 1 Criterion 1: scored 1" in page
    assert "Weighted score 0.67 Overall comment Overall 0: fund it." in page  # (1 x 0 + 2 x 1) / 3
    assert "Criterion 0 1.00 1 Criterion 0: scored 1 Criterion 1 2.00 2 Criterion 1: scored 2" in page
    assert "Weighted score 1.67 Overall comment Overall 1: fund it." in page  # (1 x 1 + 2 x 2) / 3
    assert "Reviewer Clean water 0" in page and "Reviewer Clean water 1" in page
    # The call ranks the stronger application first: this one is second, on the mean of its reviews' scores.
    assert "Ranked 2 of 2 scored applications to the call, with a weighted score of 1.17 out of 5." in page


def test_the_files_on_the_page_download_through_the_permission_checked_door(client, media):
    application = an_application(a_call(questions=0, criteria=1), questions=0, lines=1, reviews=0, files=1)
    url = reverse("grants:attachment", args=[application.attachments.get().pk])
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    staff = client.get(url)
    content = b"".join(staff.streaming_content)
    client.force_login(UserFactory())
    stranger = client.get(url)
    staff.close()  # after every request: closing ends the request, and the test's connection with it

    assert (staff.status_code, content) == (200, PDF)
    assert stranger.status_code == 404


def test_an_application_not_yet_reviewed_or_ranked_says_so(client):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.SCREENING)
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    page = text(client.get(reverse("admin:grants_application_change", args=[application.pk])).content.decode())

    assert "The call asks no questions of its own." in page
    assert "0 of the 2 completed reviews the call needs." in page
    assert "Not ranked yet: no submitted review has scored it." in page
    assert "No reviewer is assigned yet." in page


def page_queries(client, application) -> int:
    url = reverse("admin:grants_application_change", args=[application.pk])
    client.get(url)  # once unmeasured: a test process's first page reads the content types it then keeps
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_application_page_takes_the_same_queries_however_much_it_shows(client, media):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    small = an_application(a_call(questions=1, criteria=1), questions=1, lines=1, reviews=1, files=1)
    large_call = a_call(questions=5, criteria=4)
    large = an_application(large_call, questions=5, lines=6, reviews=4, files=3)
    for n in range(6):
        an_application(large_call, questions=1, lines=1, reviews=1, files=0, title=f"Competitor {n}")

    assert page_queries(client, small) == page_queries(client, large)


def test_the_approval_page_shows_the_scores_and_the_rank_it_decides_on(client, media):
    application = an_application(a_call(questions=1, criteria=2), questions=1, lines=1, reviews=2, files=0)
    client.force_login(staff_in_role(GRANTS_COMMITTEE))

    page = text(client.get(reverse("admin:grants_application_approve", args=[application.pk])).content.decode())

    assert "Criterion 1 2.00 2 Criterion 1: scored 2" in page
    assert "Weighted score 1.67" in page and "Overall 1: fund it." in page
    assert "Ranked 1 of 1 scored applications to the call, with a weighted score of 1.17 out of 5." in page
    assert "Answer 0 to Question 0?" in page and "Total USD 1,000.00" in page


def test_the_approval_page_takes_the_same_queries_however_much_it_shows(client, media):
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    small = an_application(a_call(questions=1, criteria=1), questions=1, lines=1, reviews=1, files=1)
    large = an_application(a_call(questions=4, criteria=5), questions=4, lines=5, reviews=3, files=2)
    url = "admin:grants_application_approve"

    counts = []
    for application in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url, args=[application.pk])).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_an_application_of_another_call_is_not_ranked_against_this_one(client):
    mine = ApplicationFactory(complete=True, status=ApplicationStatus.IN_REVIEW, organisation=OrganisationFactory())
    criterion = AssessmentCriterionFactory(call=mine.call)
    ReviewFactory(application=mine, submitted=True, scores={criterion: 3})
    elsewhere = ApplicationFactory(complete=True, status=ApplicationStatus.IN_REVIEW)
    ReviewFactory(application=elsewhere, submitted=True, scores={AssessmentCriterionFactory(call=elsewhere.call): 5})
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    page = text(client.get(reverse("admin:grants_application_change", args=[mine.pk])).content.decode())

    assert "Ranked 1 of 1 scored applications to the call, with a weighted score of 3.00 out of 5." in page
