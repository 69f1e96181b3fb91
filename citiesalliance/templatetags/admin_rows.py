"""`{% result_list_written cl %}`: Django's `{% result_list cl %}`, its rows written in Python (common/admin_rows)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from common.admin_rows import result_list

register = template.Library()


@register.tag(name="result_list_written")
def result_list_written(parser, token):
    return InclusionAdminNode(
        parser, token, func=result_list, template_name="change_list_results.html", takes_context=False
    )
