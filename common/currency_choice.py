"""The currency a page shows its totals in, as the visitor chose it among a few offered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.http import urlencode

PARAMETER = "currency"


@dataclass(frozen=True)
class CurrencyChoice:
    currency: str
    offered: tuple[str, ...]
    refused: str = ""  # a code asked for that the page does not offer: the page says so and answers 400
    kept: tuple[tuple[str, str], ...] = ()  # the page's other parameters (a filter), kept by the switch's links

    @property
    def status(self) -> int:
        return 400 if self.refused else 200

    @property
    def is_default(self) -> bool:
        return self.currency == self.offered[0]

    def query(self) -> str:
        """`?currency=CHF` for links to pages and files in the same currency; empty for the default one."""
        return "" if self.is_default else "?" + urlencode({PARAMETER: self.currency})

    @property
    def options(self) -> list[tuple[str, str, bool]]:
        """(code, query, current) for each currency offered, for a switch made of plain links."""
        return [
            (code, "?" + urlencode([*self.kept, (PARAMETER, code)]), code == self.currency) for code in self.offered
        ]


def choose_currency(
    request: HttpRequest, offered: Sequence[str], *, remember: str = "", keep: Sequence[str] = ()
) -> CurrencyChoice:
    """The currency asked for in `?currency=` when it is offered; otherwise the first offered (or, with
    `remember`, the one last chosen in this session under that name). An unknown code is refused, not guessed.
    The parameters named in `keep` (a filter's) stay in the switch's links."""
    offered = tuple(offered)
    kept = tuple((name, request.GET[name]) for name in keep if request.GET.get(name))
    asked = request.GET.get(PARAMETER, "").strip().upper()
    if asked and asked not in offered:
        return CurrencyChoice(offered[0], offered, refused=asked[:12], kept=kept)
    if asked:
        if remember and request.session.get(remember) != asked:
            request.session[remember] = asked
        return CurrencyChoice(asked, offered, kept=kept)
    chosen = request.session.get(remember) if remember else None
    return CurrencyChoice(chosen if chosen in offered else offered[0], offered, kept=kept)
