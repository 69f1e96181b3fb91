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
from grants.models import Facility, Theme
from grants.selectors import public_projects
from results.models import Indicator

from . import iati, selectors, staging
from .importer import ImportRefused, import_activities
from .importer.foreign import (
    ActivityMapping,
    ForeignMapping,
    MappingRefused,
    file_outline,
    foreign_activities_import,
)

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


class FacilityChoice(forms.ModelChoiceField):
    def label_from_instance(self, facility: Facility) -> str:
        return f"{facility} ({facility.window})"


class ActivityMappingForm(forms.Form):
    """Where one activity goes, when it names no facility of ours; or that it is left out."""

    facility = FacilityChoice(
        Facility.objects.select_related("window"), to_field_name="code", required=False, label=_("Facility (window)")
    )
    themes = forms.ModelMultipleChoiceField(
        Theme.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Themes"),
    )

    leave_out = forms.BooleanField(required=False, label=_("Leave this activity out"))

    def mapping(self) -> ActivityMapping:
        facility = self.cleaned_data["facility"]
        return ActivityMapping(
            facility=facility.code if facility else "",
            themes=tuple(t.code for t in self.cleaned_data["themes"]),
            leave_out=self.cleaned_data["leave_out"],
        )


def _mapping_forms(identifiers: list[str], data=None) -> list[ActivityMappingForm]:
    return [ActivityMappingForm(data, prefix=f"activity-{position}") for position, _ in enumerate(identifiers)]


class IndicatorMappingForm(forms.Form):
    """The corporate indicator each of the file's indicators counts towards, chosen by its title; none: its
    results are not loaded."""

    def __init__(self, titles: list[str], data=None):
        super().__init__(data, prefix="indicator")
        self.titles = titles
        choices = [("", "—"), *((i.code, str(i)) for i in Indicator.objects.all())] if titles else []
        for position, title in enumerate(titles):
            self.fields[str(position)] = forms.ChoiceField(choices=choices, required=False, label=title)

    def mapping(self) -> dict[str, str]:
        return {title: code for position, title in enumerate(self.titles) if (code := self.cleaned_data[str(position)])}


@staff_member_required
@requires("grants.import_foreign_iati")
def import_foreign(request: HttpRequest) -> HttpResponse:
    """Staff load another publisher's file: upload it, see what each activity maps to and what cannot be mapped,
    choose the facility and themes of those that name none of ours, then import the whole file or nothing."""
    if request.method == "POST" and "action" not in request.POST:
        return _foreign_upload(request)
    return _foreign_mapping(request, action=request.POST.get("action", ""))


def _foreign_upload(request: HttpRequest) -> HttpResponse:
    """A file is checked, kept for its import, and previewed as it is (nothing mapped yet)."""
    upload = ImportForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _foreign_page(request, upload=upload, status=413 if upload.has_error("file", code="too_large") else 400)
    content, name = upload.cleaned_data["file"].read(), upload.cleaned_data["file"].name
    try:
        outline = file_outline(content)
    except ImportRefused as refusal:
        upload.add_error("file", _("%(reason)s Nothing was imported.") % {"reason": refusal.message})
        return _foreign_page(request, upload=upload, status=400)
    staging.upload_stage(request, content=content, name=name)
    report = foreign_activities_import(content=content, mapping=ForeignMapping(), dry_run=True)
    return _foreign_page(
        request,
        staged_name=name,
        report=report,
        forms_=_mapping_forms(outline.identifiers),
        indicators=IndicatorMappingForm(outline.indicators),
    )


def _foreign_mapping(request: HttpRequest, *, action: str) -> HttpResponse:
    """The file kept: previewed (GET), previewed with staff's choices ("preview"), or imported ("import")."""
    staged = staging.upload_staged(request)
    if staged is None:
        if not action:
            return _foreign_page(request)
        message = _("Upload the file again: the one you previewed is no longer kept.")
        return _foreign_page(request, message=message, status=400)
    content, name = staged
    outline = file_outline(content)
    forms_ = _mapping_forms(outline.identifiers, request.POST if action else None)
    indicators = IndicatorMappingForm(outline.indicators, request.POST if action else None)
    if action and not (all(form.is_valid() for form in forms_) and indicators.is_valid()):
        message = _("Choose each activity's facility and themes, and each indicator's, among those listed.")
        return _foreign_page(request, staged_name=name, message=message, status=400)
    mapping = (
        ForeignMapping(
            activities={i: form.mapping() for i, form in zip(outline.identifiers, forms_, strict=True)},
            indicators=indicators.mapping(),
        )
        if action
        else ForeignMapping()
    )
    try:
        report = foreign_activities_import(content=content, mapping=mapping, dry_run=action != "import")
    except MappingRefused as refusal:
        return _foreign_page(request, staged_name=name, message=refusal.message, status=400)
    if action != "import" or not report.written:
        status = 400 if action == "import" else 200
        return _foreign_page(
            request, staged_name=name, report=report, forms_=forms_, indicators=indicators, status=status
        )
    staging.upload_unstage(request)
    return _foreign_page(request, report=report)


def _foreign_page(
    request, *, upload=None, staged_name="", report=None, forms_=(), indicators=None, message="", status=200
) -> HttpResponse:
    activities = report.activities if report else []
    context = {
        **admin.site.each_context(request),
        "title": _("Import other publishers' IATI activities"),
        "form": upload or ImportForm(),
        "staged_name": staged_name,
        "activities": list(zip(activities, forms_ or [None] * len(activities), strict=True)),
        "report": report,
        "imported": bool(report and report.written),
        "indicators": indicators,
        "message": message,
    }
    return render(request, "opendata/import_foreign.html", context, status=status)
