"""The secretariat's admin for funding and projects: the portfolio, the ledger, calls and applications."""

from . import amendments, calls, ledger, payments, portfolio

__all__ = ["amendments", "calls", "ledger", "payments", "portfolio"]
