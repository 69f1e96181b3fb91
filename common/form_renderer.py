"""The project's form renderer: Django's own, except that a drop-down list is written in Python.

Django writes each option of a `<select>` through two included templates: a filter of 200 donors and 40
countries takes about 18 ms of a page, the same list written here about 5. The markup is the one Django's
templates write (`django/forms/widgets/select.html`, `select_option.html` and `attrs.html`), without their
blank lines; a widget whose options have a template of their own is left to Django's templates.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.forms import Select
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, Mapping) else None
        if template_name == Select.template_name and widget is not None and _plain_options(widget):
            return select_html(widget)
        return super().render(template_name, context, request=request)


def _plain_options(widget: Mapping) -> bool:
    return all(
        option["template_name"] == Select.option_template_name
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


def select_html(widget: Mapping) -> SafeString:
    """The `<select>` Django's templates write for a widget's context (`Select.get_context()["widget"]`)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(str(option["value"]))}"{_attributes(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every name, value and label above is escaped


def _attributes(attrs: Mapping) -> str:
    """As `django/forms/widgets/attrs.html`: False leaves the attribute out, True writes its name alone."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )
