"""The REST API of the funding side: `outputs` (what it answers), `inputs` (what staff send),
`views` (the endpoints) and `applications` (partners' applications)."""

from .amendments import AmendmentViewSet
from .applications import ApplicationViewSet
from .messages import ApplicationMessagesView, ProjectMessagesView
from .outputs import ProjectRef
from .payments import PaymentRequestViewSet, PaymentRunViewSet
from .updates import ProjectUpdatesView
from .views import (
    CallViewSet,
    ContributionViewSet,
    FacilityViewSet,
    JournalView,
    ProjectViewSet,
    ThemeViewSet,
    TransactionViewSet,
    WindowViewSet,
)

__all__ = [
    "AmendmentViewSet",
    "ApplicationMessagesView",
    "ApplicationViewSet",
    "CallViewSet",
    "ContributionViewSet",
    "FacilityViewSet",
    "JournalView",
    "PaymentRequestViewSet",
    "PaymentRunViewSet",
    "ProjectMessagesView",
    "ProjectRef",
    "ProjectUpdatesView",
    "ProjectViewSet",
    "ThemeViewSet",
    "TransactionViewSet",
    "WindowViewSet",
]
