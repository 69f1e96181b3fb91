"""`{% kept "name" part … %}…{% endkept %}`: a block rendered once and kept as the figures it shows are kept
(common.figures): until a row they are read from changes, in each language apart. The parts name everything
else the block shows (a donor, a currency, a filter's values), so that blocks of other parts are kept apart.

For a block that costs more to render than its figures cost to read: a map of thousands of cities, say."""

from __future__ import annotations

from django import template

from common.figures import cached_figures

register = template.Library()


@register.tag("kept")
def kept(parser, token):
    parts = token.split_contents()[1:]
    if not parts:
        raise template.TemplateSyntaxError('{% kept %} needs a name: {% kept "name" part … %}')
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, [parser.compile_filter(part) for part in parts])


class KeptNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist = nodelist
        self.parts = parts

    def render(self, context) -> str:
        name = ":".join(str(part.resolve(context)) for part in self.parts)
        return cached_figures(f"fragment:{name}", lambda: self.nodelist.render(context))
