"""PDFs made on request from our own HTML (an application, an agreement): WeasyPrint fetches nothing, neither
remote nor local, so whatever text users typed cannot reach outside the document; its styles are inline."""

from __future__ import annotations

from django.http import HttpResponse

from .uploads import PDF


def refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"A document made here fetches no resource: {url[:80]}")


def _fetcher():
    """WeasyPrint's fetcher that refuses every URL: a `URLFetcher` where WeasyPrint has the class (70 and
    later), the plain function before."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - older WeasyPrint takes a function
        return refuse_fetch

    class Refusing(URLFetcher):
        def fetch(self, url, headers=None):
            return refuse_fetch(url)

    return Refusing(allowed_protocols=())


def inline_only_fetcher():
    """WeasyPrint's fetcher for a document whose images are inlined as `data:` URIs: those it reads, any other URL
    (remote or local) it refuses."""
    from weasyprint.urls import URLFetcher

    class InlineOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                return refuse_fetch(url)
            return super().fetch(url, headers)

    return InlineOnly(allowed_protocols=("data",))


def sealed_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy: loaded on first use

    return HTML(string=html, url_fetcher=_fetcher()).write_pdf()


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
