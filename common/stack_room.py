"""Room on Python's frame stack for a whole request, so that no call of it lands on the edge of a chunk.

CPython (3.11 on) keeps each thread's call frames in chunks, 16 KB at first. A call whose frame does not fit in the
last chunk gets a new one (an `mmap`), freed (a `munmap`) as soon as that call returns: a loop whose calls land on
a chunk's edge pays two system calls and a page fault on every call. Where the edge falls depends on how deep the
code runs, so the same page is fast in one process and slow in another. Measured at 50,000 projects on Python
3.11.7, the admin's project list made some 3,000 of these pairs a request and the ledger's list some 1,600; they
took a quarter to a third of those pages' time (123 to 91 ms, 59 to 40 ms). Python 3.13.13 keeps one freed chunk
for the next call (CPython gh-142183); 3.11 and 3.12 never will.

A chunk is made at least as large as the frame that asked for it plus room for a thousand slots, rounded up to a
power of two. `call_with_stack_room` calls through a frame that declares a deep evaluation stack of its own,
which it never uses: its chunk is 256 KB, of which the frame takes 136 KB, never touched, and everything the
request calls goes in the remaining 120 KB (15,000 slots; no page timed went past it: `strace` found no more chunk
pairs). The chunk is mapped once a call, and its pages are touched only as deep as the calls go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest, HttpResponse

Result = TypeVar("Result")

# Slots (8 bytes each) the calling frame declares: with the thousand CPython adds, 144 KB, so its chunk is 256 KB.
RESERVED_SLOTS = 17_000


def call_with_stack_room(function: Callable[..., Result], /, *args, **kwargs) -> Result:
    return function(*args, **kwargs)


call_with_stack_room.__code__ = call_with_stack_room.__code__.replace(co_stacksize=RESERVED_SLOTS)


class StackRoom:
    """The outermost middleware: every view, template and query of a request runs in the room made above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return call_with_stack_room(self.get_response, request)
