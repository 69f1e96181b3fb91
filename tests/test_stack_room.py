"""A request runs in room of its own on Python's frame stack (common/stack_room.py): no call of it lands on the
edge of a frame chunk, where each call would map and unmap a chunk and fault a page."""

import resource
import sys

from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from common import stack_room
from common.stack_room import call_with_stack_room

CALLS = 200
DEPTHS = range(400)  # each `_descend` frame takes about fifteen slots: this passes the edges of two chunks or more


def _leaf():
    return None


# A frame larger than `_descend`'s, so that at the last depth at which `_descend` fits in a chunk, `_leaf` does not.
_leaf.__code__ = _leaf.__code__.replace(co_stacksize=200)


def _descend(depth: int) -> int:
    """The page faults of `CALLS` calls made `depth` calls deeper than the caller."""
    if depth:
        return _descend(depth - 1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(CALLS):
        _leaf()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_no_call_made_in_the_room_faults_a_page_whatever_its_depth():
    faults = {depth: call_with_stack_room(_descend, depth) for depth in DEPTHS}
    assert max(faults.values()) < CALLS // 10, {depth: n for depth, n in faults.items() if n >= CALLS // 10}
    if sys.version_info < (3, 13):  # the control, where a chunk is freed as soon as its call returns
        outside = {depth: _descend(depth) for depth in DEPTHS}
        assert max(outside.values()) >= CALLS, "no depth of the loop landed on a chunk's edge"


def _where_the_view_ran(request):
    frame, codes = sys._getframe(), set()
    while frame is not None:
        codes.add(frame.f_code)
        frame = frame.f_back
    return HttpResponse("in the room" if call_with_stack_room.__code__ in codes else "outside")


urlpatterns = [path("where/", _where_the_view_ran)]


@override_settings(ROOT_URLCONF=__name__)
def test_every_request_runs_in_the_room(client):
    assert client.get("/where/").content == b"in the room"


def test_the_room_is_the_outermost_middleware(settings):
    assert settings.MIDDLEWARE[0] == f"{stack_room.__name__}.{stack_room.StackRoom.__name__}"
