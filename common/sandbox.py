"""Django's template language for text that staff write in the admin, kept to a small, safe subset.

The engine knows only a few tags (if, for, with, comment, firstof, spaceless) and a few filters that change how a
string reads; it loads no other template and no tag library, escapes every value (autoescape stays on, and no
filter marks text safe), and is only ever given plain values (strings, lists and dicts of strings), so the text
reaches nothing but what it is handed. `template_problem` also refuses names that are not in a given list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.template import Context, Engine, Library, Node, NodeList, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Template, VariableNode
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.utils.translation import gettext as _

TAGS = ("if", "for", "with", "comment", "firstof", "spaceless")
FILTERS = (
    "capfirst",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "title",
    "upper",
    "yesno",
)

register = Library()
for _name in TAGS:
    register.tag(_name, defaulttags.register.tags[_name])
for _name in FILTERS:
    register.filter(_name, defaultfilters.register.filters[_name])


class SandboxEngine(Engine):
    default_builtins = []  # not Django's tags and filters: only this module's library


ENGINE = SandboxEngine(builtins=["common.sandbox"], libraries={}, loaders=[], autoescape=True, debug=False)


def compile_template(text: str) -> Template:
    """The template of `text`; TemplateSyntaxError for text that does not compile or uses anything outside the
    subset."""
    return ENGINE.from_string(text)


def render(template: Template, values: Mapping) -> str:
    return template.render(Context(dict(values), autoescape=True))


def render_text(template: Template, values: Mapping) -> str:
    """For a plain-text e-mail, which no browser reads as HTML: values are written as they are ("O'Brien", not
    "O&#x27;Brien"). The subset still reaches nothing but the plain values it is given. The text is returned as a
    plain string, not marked safe: a page that shows it (the admin's preview of a mailing) escapes it."""
    return str.__str__(template.render(Context(dict(values), autoescape=False)))


def _expressions(nodelist: NodeList, scope: frozenset[str]) -> Iterator[tuple[FilterExpression, frozenset[str]]]:
    """Every variable the nodes read, with the names their loops and `with` blocks add."""
    for node in nodelist:
        yield from _node_expressions(node, scope)


def _node_expressions(node: Node, scope: frozenset[str]) -> Iterator[tuple[FilterExpression, frozenset[str]]]:
    if isinstance(node, VariableNode):
        yield node.filter_expression, scope
    elif isinstance(node, ForNode):
        yield node.sequence, scope
        yield from _expressions(node.nodelist_loop, scope | {*node.loopvars, "forloop"})
        yield from _expressions(node.nodelist_empty, scope)
        return
    elif isinstance(node, WithNode):
        for expression in node.extra_context.values():
            yield expression, scope
        yield from _expressions(node.nodelist, scope | set(node.extra_context))
        return
    elif isinstance(node, IfNode):
        for condition, nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition, scope)
            yield from _expressions(nodelist, scope)
        return
    for attribute in getattr(node, "child_nodelists", ()):
        yield from _expressions(getattr(node, attribute, None) or NodeList(), scope)
    for value in vars(node).values():
        if isinstance(value, FilterExpression):
            yield value, scope
        elif isinstance(value, list | tuple):
            yield from ((item, scope) for item in value if isinstance(item, FilterExpression))


def _condition_expressions(condition, scope) -> Iterator[tuple[FilterExpression, frozenset[str]]]:
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value, scope
    for side in ("first", "second"):
        yield from _condition_expressions(getattr(condition, side, None), scope)


def template_problem(text: str, placeholders: Mapping[str, tuple[str, ...]]) -> str | None:
    """What is wrong with `text` as a template, or None.

    `placeholders` maps each name the text may use to the keys its value has (a dict, or a list of dicts, whose
    items a loop names); a name or key outside it is refused, named in the message."""
    try:
        template = compile_template(text)
    except TemplateSyntaxError as error:
        return _("The text does not compile: %(error)s") % {"error": error}
    loop_items: dict[str, tuple[str, ...]] = {}
    for node in template.nodelist.get_nodes_by_type(ForNode):
        root = node.sequence.var.lookups[0] if getattr(node.sequence.var, "lookups", None) else None
        for loopvar in node.loopvars:
            loop_items[loopvar] = placeholders.get(root, ())
    for expression, scope in _expressions(template.nodelist, frozenset()):
        lookups = getattr(expression.var, "lookups", None)
        if not lookups:
            continue  # a literal
        name = ".".join(lookups)
        root, keys = lookups[0], lookups[1:]
        if root == "forloop" and root in scope:
            continue
        if root in scope:
            known = loop_items.get(root)
            if known is None or not keys or keys[0] in known:
                continue
        elif root in placeholders and (not keys or keys[0] in placeholders[root]):
            continue
        return _("Unknown placeholder: %(name)s. Use only the placeholders listed below the text.") % {"name": name}
    return None
