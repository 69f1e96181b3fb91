"""Open data files: IATI 2.03 activities of the public portfolio, one activity, and the organisation file."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from common.permissions import requires
from grants.selectors import public_projects

from . import iati, selectors
from .importer import ImportRefused, import_activities

XML = "application/xml; charset=utf-8"


def index(request: HttpRequest) -> HttpResponse:
    """Where the open data is: the IATI files, one project's activity, and the API."""
    return render(request, "opendata/index.html", {"summary": selectors.open_data_summary()})


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


class ImportForm(forms.Form):
    file = forms.FileField(label=_("IATI 2.03 activity file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IATI_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(name)s is %(size).1f MB; IATI files may be up to %(limit)g MB. Nothing was imported."),
                code="too_large",
                params={"name": upload.name, "size": upload.size / 1_000_000, "limit": limit / 1_000_000},
            )
        return upload


@staff_member_required
@requires("grants.import_iati")
def import_upload(request: HttpRequest) -> HttpResponse:
    """Staff load an IATI file; the page lists what each activity became."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST" and not form.is_valid():
        status = 413 if form.has_error("file", code="too_large") else 400
    elif request.method == "POST":
        try:
            report = import_activities(form.cleaned_data["file"].read())
        except ImportRefused as refusal:
            form.add_error("file", _("%(reason)s Nothing was imported.") % {"reason": refusal.message})
            status = 400
    context = {**admin.site.each_context(request), "title": _("Import IATI activities"), "form": form, "report": report}
    return render(request, "opendata/import.html", context, status=status)
