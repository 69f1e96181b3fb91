"""The secretariat's admin for funding and projects: the portfolio, and the ledger."""

from . import ledger, portfolio

__all__ = ["ledger", "portfolio"]
