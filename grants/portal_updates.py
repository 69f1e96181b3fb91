"""Project updates on the site: partners post and withdraw them in the portal; anyone reads the published ones
(the feed page, the Atom feed, the project pages) and their photos.

Views parse, services decide: a project the user's organisation is not a partner of answers 404, and a refused
update shows the form again with what was typed and the reason (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .forms import ProjectUpdateForm
from .models import ProjectUpdate, UpdatePhoto
from .selectors import updates as selectors
from .services.updates import UpdateError, update_post, update_withdraw

VARIANTS = ("image", "thumbnail")


@login_required
def project_updates(request: HttpRequest, code: str) -> HttpResponse:
    """A project's updates in the portal: post one (it waits for the secretariat), and what the organisation
    posted, each with its state."""
    project = get_object_or_404(selectors.updatable_projects(request.user), code=code)
    form = ProjectUpdateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            update_post(
                project=project,
                author=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                event_date=form.cleaned_data["event_date"],
                photos=form.photos(),
            )
        except UpdateError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your update is sent: the secretariat publishes it after a look."))
            return redirect("grants:project-updates", code=project.code)
    context = {
        "project": project,
        "form": form,
        "updates": selectors.project_updates_for_partner(request.user, project),
    }
    return render(request, "grants/portal/updates.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def project_update_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(selectors.organisation_updates(request.user).select_related("project"), pk=pk)
    try:
        update_withdraw(update=update, user=request.user)
    except UpdateError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The update is withdrawn: nobody but your organisation and the secretariat sees it.")
        )
    return redirect("grants:project-updates", code=update.project.code)


def update_photo(request: HttpRequest, pk: int, variant: str) -> FileResponse:
    """A photo of an update or its thumbnail: anyone's once the update is public; before, only the posting
    organisation's people and staff who see updates; anyone else is told it does not exist."""
    if variant not in VARIANTS:
        raise Http404
    try:
        photo = selectors.photo_for(request.user, pk)
    except UpdatePhoto.DoesNotExist:
        raise Http404 from None
    try:
        handle = getattr(photo, variant).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="update-{photo.update_id}-{photo.pk}-{variant}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    # A public photo may be kept by browsers and caches; one not yet public by nobody.
    response["Cache-Control"] = "public, max-age=3600" if photo.update.is_public else "private, no-store"
    return response


def update_list(request: HttpRequest) -> HttpResponse:
    """The public feed of published updates, newest first, paged without counting them all."""
    page = selectors.update_feed(page=selectors.page_number(request.GET.get("page")))
    if not page.updates and page.number > 1:
        raise Http404
    return render(request, "grants/updates.html", {"page": page})


class UpdateFeed(Feed):
    """The published updates as an Atom feed: Django's feed generator escapes every text it writes."""

    feed_type = Atom1Feed
    title = gettext_lazy("Project updates")
    subtitle = gettext_lazy("News from the projects of the partnership, posted by their partners.")

    def link(self) -> str:
        return reverse("grants:update-list")

    def items(self) -> list[ProjectUpdate]:
        return selectors.latest_public_updates()

    def item_title(self, item: ProjectUpdate) -> str:
        return f"{item.project.code} · {item.title}"

    def item_description(self, item: ProjectUpdate) -> str:
        # Atom carries the summary as HTML: the partner's text is escaped first, so a reader shows it as typed.
        return linebreaks(item.text, autoescape=True)

    def item_link(self, item: ProjectUpdate) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: ProjectUpdate):
        return item.published_at

    def item_updateddate(self, item: ProjectUpdate):
        return item.published_at or timezone.now()

    def item_author_name(self, item: ProjectUpdate) -> str:
        return item.organisation.name

    def item_categories(self, item: ProjectUpdate) -> list[str]:
        return [item.project.code]


update_feed = UpdateFeed()
