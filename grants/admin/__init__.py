"""The secretariat's admin for funding and projects: the portfolio, the ledger, calls and applications."""

from . import calls, ledger, payments, portfolio

__all__ = ["calls", "ledger", "payments", "portfolio"]
