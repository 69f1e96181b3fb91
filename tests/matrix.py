"""The machinery of the permission matrix (tests/test_permission_matrix.py): what a cell may answer, the rules
that say which answer each person gets, every door the site has, and a request at one of them.

The doors are found, never listed: the URL resolver (pages, the admin's pages and its custom views), the
admin's registry (each model's actions) and the API's OpenAPI schema (each path and method). The matrix's
table says what each door answers to whom; a door the table does not name fails the matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

# The people of the matrix, one column each; the staff roles of members/roles.py come between the staff
# account without permissions and the superuser (see `columns`).
ANONYMOUS = "anonymous"
PARTNER_A = "partner A"
PARTNER_B = "partner B"
REVIEWER = "reviewer"
DONOR_A = "donor A"
DONOR_B = "donor B"
STAFF_WITHOUT_PERMISSIONS = "staff without permissions"
SUPERUSER = "superuser"

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
NO_ACTION = "No action selected."


def columns(roles: Mapping[str, Any]) -> list[str]:
    return [
        ANONYMOUS,
        PARTNER_A,
        PARTNER_B,
        REVIEWER,
        DONOR_A,
        DONOR_B,
        STAFF_WITHOUT_PERMISSIONS,
        *(role.lower() for role in roles),
        SUPERUSER,
    ]


# -- Answers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a cell answers: a status, and for a redirect where it goes ("login" or "elsewhere"). An admin action
    not offered to someone answers "not offered": their list again, or a redirect to it saying "No action
    selected.". `THROUGH` is any answer past the permission layer."""

    status: int | None
    where: str = ""

    def __str__(self) -> str:
        if self.status is None:
            return "through the permission layer"
        return f"{self.status} {self.where}".strip()

    @property
    def is_refusal(self) -> bool:
        return self.status in (401, 403, 404) or self.where in ("login", "not offered")


OK = Answer(200)
LOGIN = Answer(302, "login")
ELSEWHERE = Answer(302, "elsewhere")
NOT_OFFERED = Answer(302, "not offered")
UNAUTHENTICATED = Answer(401)
FORBIDDEN = Answer(403)
MISSING = Answer(404)
NOT_ALLOWED = Answer(405)
THROUGH = Answer(None, "through")


def observed(response) -> Answer:
    list_again = "cl" in (getattr(response, "context_data", None) or {})
    if response.status_code == 200 and response.wsgi_request.method == "POST" and list_again:
        return NOT_OFFERED  # an action posted to an admin list that offers none: the list again
    if response.status_code in (301, 302):
        path = response.headers.get("Location", "").split("?", 1)[0]
        if path.endswith(LOGIN_PATHS):
            return Answer(response.status_code, "login")
        if NO_ACTION in [str(message) for message in getattr(response.wsgi_request, "_messages", [])]:
            return NOT_OFFERED
        return Answer(response.status_code, "elsewhere")
    return Answer(response.status_code)


def agrees(expected: Answer, seen: Answer) -> bool:
    """THROUGH agrees with any answer but a refusal, a method the door does not take, or a server error."""
    if expected == THROUGH:
        return not seen.is_refusal and seen.status not in (None, 405) and seen.status < 500
    return expected == seen


# -- Who gets what ------------------------------------------------------------------------------------------


class Nobody:
    """A permission no one holds: the act is refused to every staff account, the superuser's too."""

    def __repr__(self) -> str:
        return "NOBODY"


class AnyStaff:
    """Staff status alone is enough (the admin's index, its password change)."""

    def __repr__(self) -> str:
        return "ANY_STAFF"


NOBODY = Nobody()
ANY_STAFF = AnyStaff()


class AnyOf(tuple):
    """Any one of these permissions is enough."""

    def __new__(cls, *permissions: str):
        return super().__new__(cls, permissions)


class AllOf(tuple):
    """Each of these permissions is needed."""

    def __new__(cls, *permissions: str):
        return super().__new__(cls, permissions)


@dataclass(frozen=True)
class Who:
    column: str
    user: Any

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.is_staff

    def holds(self, permission) -> bool:
        """Whether this person holds `permission` as staff: partners, reviewers and donors hold none."""
        if permission is ANY_STAFF:
            return self.is_staff
        if permission is NOBODY or not self.is_staff or not self.user.is_active:
            return False
        if isinstance(permission, AnyOf):
            return any(map(self.holds, permission))
        if isinstance(permission, AllOf):
            return all(map(self.holds, permission))
        return self.user.has_perm(permission)


@dataclass(frozen=True)
class Rule:
    """Which answer each person gets; `exceptions` give a column its own."""

    name: str
    decide: Callable[[Who], Answer]
    exceptions: tuple[tuple[str, Answer], ...] = ()

    def answer(self, who: Who) -> Answer:
        return dict(self.exceptions).get(who.column) or self.decide(who)

    def but(self, exceptions: Mapping[str, Answer]) -> Rule:
        return replace(self, exceptions=(*self.exceptions, *exceptions.items()))

    def __repr__(self) -> str:
        but = f".but({dict(self.exceptions)})" if self.exceptions else ""
        return f"{self.name}{but}"


# Pages of the site


def public(answer: Answer = OK) -> Rule:
    """Everyone, signed in or not."""
    return Rule(f"public({answer})", lambda who: answer)


PUBLIC = public()


def signed_in(answer: Answer = OK) -> Rule:
    """Anyone signed in; anonymous visitors are sent to sign in."""
    return Rule(f"signed_in({answer})", lambda who: LOGIN if who.user is None else answer)


def own(*owners: str, staff: Any = NOBODY, answer: Answer = OK) -> Rule:
    """`owners` (columns) and staff holding `staff` get `answer`; anyone else signed in is told there is
    nothing there (404); anonymous visitors are sent to sign in."""

    def decide(who: Who) -> Answer:
        if who.user is None:
            return LOGIN
        return answer if who.column in owners or who.holds(staff) else MISSING

    return Rule(f"own({', '.join(owners)}; staff={staff!r})", decide)


# Admin pages: anyone without staff status is sent to sign in; staff without the permission are refused.


def admin_page(permission: Any, answer: Answer = OK, refused: Answer = FORBIDDEN) -> Rule:
    def decide(who: Who) -> Answer:
        if not who.is_staff:
            return LOGIN
        return answer if who.holds(permission) else refused

    return Rule(f"admin_page({permission!r}, {answer})", decide)


def admin_action(permission: Any, *, view: Any) -> Rule:
    """Staff holding `permission` take the action; staff who see the list without it are not offered it;
    staff who do not see the list are refused the list."""

    def decide(who: Who) -> Answer:
        if not who.is_staff:
            return LOGIN
        if who.holds(permission):
            return THROUGH
        return NOT_OFFERED if who.holds(view) else FORBIDDEN

    return Rule(f"admin_action({permission!r})", decide)


def readers(*owners: str, staff: Any = NOBODY, anonymous: Answer = MISSING) -> Rule:
    """A row not everyone sees, read where anyone may ask (a public page, the API): `owners` and staff holding
    `staff` read it; anyone else is told there is nothing there."""

    def decide(who: Who) -> Answer:
        if who.user is None:
            return anonymous
        return OK if who.column in owners or who.holds(staff) else MISSING

    return Rule(f"readers({', '.join(owners)}; staff={staff!r})", decide)


# The API's writes need the permission of their act (401 to a visitor without credentials, 403 to anyone else).


def api_write(permission: Any, answer: Answer = THROUGH) -> Rule:
    def decide(who: Who) -> Answer:
        if who.user is None:
            return UNAUTHENTICATED
        return answer if who.holds(permission) else FORBIDDEN

    return Rule(f"api_write({permission!r})", decide)


def api_read(permission: Any) -> Rule:
    """A read that is an act of its own (a period's accounting journal): only those holding its permission."""
    return replace(api_write(permission, OK), name=f"api_read({permission!r})")


def api_signed_in(answer: Answer = THROUGH) -> Rule:
    return Rule(f"api_signed_in({answer})", lambda who: UNAUTHENTICATED if who.user is None else answer)


def api_own(*owners: str, seen_by: Any) -> Rule:
    """A partner's act on its organisation's row: the owners take it; staff who see the row (holding
    `seen_by`) are refused it; anyone else is told there is nothing there."""

    def decide(who: Who) -> Answer:
        if who.user is None:
            return UNAUTHENTICATED
        if who.column in owners:
            return THROUGH
        return FORBIDDEN if who.holds(seen_by) else MISSING

    return Rule(f"api_own({', '.join(owners)}; seen_by={seen_by!r})", decide)


# -- What a cell requests ------------------------------------------------------------------------------------


def of(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """A value from the portfolio: "application" is its primary key, "project.code" an attribute."""
    name, _, attribute = path.partition(".")

    def value(portfolio: Mapping[str, Any]) -> Any:
        found = portfolio[name]
        return getattr(found, attribute) if attribute else found.pk

    value.__name__ = f"of({path!r})"
    return value


@dataclass(frozen=True)
class Door:
    """One request of the matrix: the rule its answers follow, its method, and how to fill its address (the
    URL named `name`, or `path` for one without a name) and its body (sent as JSON when `json`)."""

    rule: Rule
    method: str = "GET"
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    args: tuple = ()
    query: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    path: str | None = None
    name: str | None = None
    json: bool = False
    # For a list: the portfolio's row it shows exactly to those `rule` answers OK (by "id" in its results).
    lists: tuple[str, Rule] | None = None

    def address(self, portfolio: Mapping[str, Any]) -> str:
        kwargs = _filled(self.kwargs, portfolio)
        if self.path is not None:
            return self.path.format(**kwargs)
        args = list(_filled(dict(enumerate(self.args)), portfolio).values())
        return reverse(self.name, kwargs=kwargs or None, args=args or None)

    def knock(self, client: Client, portfolio: Mapping[str, Any]):
        address, data = self.address(portfolio), _filled(self.data, portfolio)
        if self.method == "GET":
            return client.get(address, self.query)
        if self.json:
            return client.generic(self.method, address, "{}", content_type="application/json")
        if self.method == "POST":
            return client.post(address, data)
        return client.generic(self.method, address)


def _filled(values: Mapping[Any, Any], portfolio: Mapping[str, Any]) -> dict[Any, Any]:
    return {key: value(portfolio) if callable(value) else value for key, value in values.items()}


def page(rule: Rule, **kwargs: Any) -> Door:
    return Door(rule, kwargs=kwargs)


def post(rule: Rule, data: Mapping[str, Any] | None = None, **kwargs: Any) -> Door:
    return Door(rule, method="POST", kwargs=kwargs, data=data or {})


def admin_object(label: str) -> Callable[[Mapping[str, Any]], Any]:
    """The primary key of the row of `label` the portfolio shows the admin."""
    return lambda portfolio: portfolio["admin"][label].pk


def admin_version(label: str) -> Callable[[Mapping[str, Any]], Any]:
    """The id of that row's first historical record (django-simple-history)."""
    return lambda portfolio: portfolio["admin"][label].history.order_by("history_id").first().history_id


@dataclass(frozen=True)
class AdminModel:
    """A model's standard admin pages and the permission each needs, Django's own unless told: `view` opens
    the list, a record, its history and the export; `add`, `change` (a revert from the history) and `delete`
    their acts; `imports` a spreadsheet import. NOBODY refuses a page to every staff account."""

    label: str
    view: Any = None
    add: Any = None
    change: Any = None
    delete: Any = None
    imports: Any = None

    def permission(self, verb: str) -> Any:
        given = getattr(self, verb)
        if given is not None:
            return given
        if verb == "imports":
            return self.permission("add")  # IMPORT_EXPORT_IMPORT_PERMISSION_CODE
        app, model = self.label.split(".")
        return f"{app}.{verb}_{model}"

    def doors(self, page: str) -> tuple[Door, ...]:
        row = {"object_id": admin_object(self.label)}
        version = (admin_object(self.label), admin_version(self.label))
        view = self.permission("view")
        return {
            "changelist": (Door(admin_page(view)),),
            "add": (Door(admin_page(self.permission("add"))),),
            "change": (Door(admin_page(view), kwargs=row),),
            "delete": (Door(admin_page(self.permission("delete")), kwargs=row),),
            "history": (Door(admin_page(view), kwargs=row),),
            # Django's old address of a record's page, redirecting to its new one.
            "redirect": (Door(admin_page(ANY_STAFF, ELSEWHERE), kwargs=row, path=self._old_address()),),
            "simple_history": (
                Door(admin_page(view), args=version),
                Door(admin_page(self.permission("change"), THROUGH), method="POST", args=version),
            ),
            "import": (Door(admin_page(self.permission("imports"))),),
            "process_import": (Door(admin_page(self.permission("imports"), THROUGH), method="POST"),),
            "export": (Door(admin_page(view)),),
        }[page]

    def _old_address(self) -> str:
        app, model = self.label.split(".")
        return f"/admin/{app}/{model}/{{object_id}}/"


# -- Every door ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the URL's name, or its pattern when it has none
    pattern: str


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield Route(f"{namespace}{pattern.name}" if pattern.name else route, route)


@cache
def schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema writes it, with {id}
    multipart: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for path, methods in schema()["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            multipart = bool(content) and "application/json" not in content
            found.append(Operation(method.upper(), path, multipart))
    return tuple(found)


@cache
def operations_by_key() -> dict[str, Operation]:
    return {operation.key: operation for operation in operations()}


@cache
def routes() -> tuple[Route, ...]:
    """Every URL pattern but the API's operations, which the schema lists (with their methods)."""
    api = {resolve(re.sub(r"\{[^}]+\}", "1", operation.path)).view_name for operation in operations()}
    return tuple(route for route in _walk(get_resolver().url_patterns) if route.key not in api)


STANDARD_ADMIN_PAGES = (
    "changelist",
    "add",
    "change",
    "delete",
    "history",
    "simple_history",
    "import",
    "process_import",
    "export",
)


@cache
def admin_pages() -> dict[str, tuple[str, str]]:
    """The admin's standard pages of each registered model, by key: (model label, page)."""
    pages = {}
    for model in admin.site._registry:
        opts = model._meta
        for name in STANDARD_ADMIN_PAGES:
            pages[f"admin:{opts.app_label}_{opts.model_name}_{name}"] = (opts.label_lower, name)
        pages[f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/"] = (opts.label_lower, "redirect")
    return pages


@cache
def admin_actions() -> tuple[tuple[str, str], ...]:
    """Each model admin's actions, as a superuser is offered them: (model label, action)."""
    from members.models import User

    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    return tuple(
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    )


def action_key(label: str, name: str) -> str:
    return f"action {label} {name}"


# -- A request -------------------------------------------------------------------------------------------------


def finish(response) -> None:
    """Read a streamed answer to its end: that closes its file without ending the test's database connection
    (closing a response that was not read would)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


# -- Nothing changed -----------------------------------------------------------------------------------------

UNWATCHED_TABLES = {"django_session"}


def watched_tables() -> list[str]:
    from django.apps import apps

    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(tables - UNWATCHED_TABLES)


def database_state(tables: list[str]) -> tuple:
    """Every row of every table, in one round trip on PostgreSQL (each table's rows as text, hashed)."""
    # The names are the models' own tables, quoted: nothing from a request reaches this SQL.
    names = [connection.ops.quote_name(table) for table in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            hashes = ", ".join(
                f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t)"  # noqa: S608
                for name in names
            )
            cursor.execute(f"SELECT {hashes}")
            return tuple(cursor.fetchone())
        state = []
        for name in names:
            cursor.execute(f"SELECT * FROM {name}")  # noqa: S608
            state.append(tuple(sorted(map(repr, cursor.fetchall()))))
        return tuple(state)


def changed_tables(tables: list[str], before: tuple, after: tuple) -> list[str]:
    return [table for table, old, new in zip(tables, before, after, strict=True) if old != new]


def rows_written(tables: list[str]) -> tuple[int, ...]:
    """How many rows of each table this transaction has inserted, updated or deleted so far (PostgreSQL's count:
    it only grows, as rows written in a savepoint rolled back since are counted too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE schemaname = current_schema() AND relname = ANY(%s)",
            [tables],
        )
        written = dict(cursor.fetchall())
    return tuple(written.get(table, 0) for table in tables)


def changes(tables: list[str]) -> Callable[[], list[str]]:
    """Called before a request: the tables whose rows it changed, when what it returns is called after it.

    Every row of every table, hashed before and after, took half of a refused write's cell. On PostgreSQL the rows
    are only read when the request wrote a row at all: it is rolled back to a savepoint taken before it, so that the
    rows before are read after it. No row written, no row changed."""
    if connection.vendor != "postgresql":
        before = database_state(tables)
        return lambda: changed_tables(tables, before, database_state(tables))
    written, savepoint = rows_written(tables), transaction.savepoint()

    def changed() -> list[str]:
        if rows_written(tables) == written:
            return []
        after = database_state(tables)
        transaction.savepoint_rollback(savepoint)
        return changed_tables(tables, database_state(tables), after)

    return changed
