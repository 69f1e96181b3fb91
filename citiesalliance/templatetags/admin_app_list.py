"""`{% app_list_table %}`: the admin's list of apps, written in Python (citiesalliance/admin_app_list.py)."""

from __future__ import annotations

from django import template

from citiesalliance.admin_app_list import app_list_html

register = template.Library()


@register.simple_tag(takes_context=True)
def app_list_table(context, app_list, show_changelinks=False):
    return app_list_html(app_list or [], path=context["request"].path, show_changelinks=bool(show_changelinks))
