"""The secretariat's admin for funding and projects: the portfolio, the ledger, calls and applications."""

from . import agreements, amendments, calls, ledger, messages, payments, portfolio, updates

__all__ = ["agreements", "amendments", "calls", "ledger", "messages", "payments", "portfolio", "updates"]
