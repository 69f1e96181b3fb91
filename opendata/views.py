"""Open data files: IATI 2.03 activities of the public portfolio, one activity, and the organisation file."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from grants.selectors import public_projects

from . import iati

XML = "application/xml; charset=utf-8"


def activities(request: HttpRequest) -> StreamingHttpResponse:
    """Every public project, streamed: the server holds a few activities in memory at a time."""
    response = StreamingHttpResponse(iati.activities_xml(), content_type=XML)
    response["Content-Disposition"] = 'inline; filename="activities.xml"'
    return response


def activity(request: HttpRequest, code: str) -> HttpResponse:
    projects = list(iati.iati_projects(public_projects().filter(code=code)))
    if not projects:
        raise Http404
    return HttpResponse(b"".join(iati.activities_xml(projects)), content_type=XML)


def organisation(request: HttpRequest) -> HttpResponse:
    return HttpResponse(iati.organisation_xml(), content_type=XML)
