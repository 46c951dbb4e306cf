"""Publishing pages: drafts with live checks, approvals, official accounts, the outbox, the archive,
the website register, and the public news page, feed and St Martin's Post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from socialguard import clock
from socialguard.audit.services import audit_view
from socialguard.people.permissions import get_object_for_user, has_capability, require, user_person
from socialguard.web.registry import HomeItem, register_home, register_nav

from . import forms, media, permissions, services  # noqa: F401  (registers capabilities)
from .highlight import highlight
from .models import ArchiveItem, Draft, OfficialAccount, Publication, WebsitePage
from .packdata import publishing_pack

register_nav("Drafts", "publishing:draft_list", "publishing.draft", order=30)
register_nav("Approvals", "publishing:approval_list", "publishing.archive", order=31)
register_nav("Official accounts", "publishing:account_list", "publishing.accounts", order=32)
register_nav("Archive", "publishing:archive_list", "publishing.archive", order=33)
register_nav("Website register", "publishing:website_register", "publishing.website", order=34)


# ---------------------------------------------------------------- home page


@register_home
def publishing_home(request):
    user, items = request.user, []
    person = user_person(user)
    if has_capability(user, "publishing.approve") and person is not None:
        waiting = Draft.objects.filter(state="submitted").exclude(author=person)
        mine = waiting.filter(approver=person).count()
        if waiting.exists():
            items.append(
                HomeItem(
                    title="Approve posts for the official accounts",
                    url=reverse("publishing:approval_list"),
                    description=f"{mine} assigned to you."
                    if mine
                    else "Posts are waiting for a designated officer.",
                    urgent=waiting.filter(due_at__lt=clock.now()).exists(),
                    count=waiting.count(),
                )
            )
        failed = Publication.objects.filter(state="failed").count()
        if failed:
            items.append(
                HomeItem(
                    title="Posts that could not be published",
                    url=reverse("publishing:publication_list"),
                    description="Check the error and try again.",
                    urgent=True,
                    count=failed,
                )
            )
    if person is not None and has_capability(user, "publishing.draft"):
        returned = Draft.objects.filter(author=person, state="returned").count()
        if returned:
            items.append(
                HomeItem(
                    title="Posts returned to you with comments",
                    url=reverse("publishing:draft_list"),
                    description="Change them and submit them again.",
                    count=returned,
                )
            )
    if has_capability(user, "publishing.website"):
        overdue = len(services.overdue_pages())
        if overdue:
            items.append(
                HomeItem(
                    title="Website pages overdue for review",
                    url=reverse("publishing:website_register"),
                    description="Their content owners should review them (WEB-2).",
                    urgent=True,
                    count=overdue,
                )
            )
    return items


# ---------------------------------------------------------------- drafts


def _findings_context(text: str, findings: list[dict]) -> dict:
    numbered = [dict(f, number=n) for n, f in enumerate(findings, start=1)]
    return {
        "highlighted": highlight(text, findings),
        "findings": numbered,
        "verdict": services._verdict(findings) if findings else "pass",
        "counts": {
            s: sum(f["severity"] == s for f in findings) for s in ("block", "review", "info")
        },
    }


@require("publishing.draft")
def draft_list(request):
    person = user_person(request.user)
    drafts = (
        Draft.objects.filter(author=person).prefetch_related("accounts")
        if person
        else Draft.objects.none()
    )
    return render(request, "publishing/draft_list.html", {"drafts": drafts})


def _images_from(request, form) -> list[services.NewImage]:
    files = form.cleaned_data.get("images") or []
    descriptions = services.image_descriptions(form.cleaned_data.get("image_descriptions"), files)
    return [
        services.NewImage(name=f.name, data=f.read(), alt_text=alt)
        for f, alt in zip(files, descriptions, strict=True)
    ]


def _draft_form_page(request, draft=None):
    person = user_person(request.user)
    if person is None:
        raise PermissionDenied("no person record")
    initial = {}
    if draft is not None:
        initial = {
            "title": draft.title,
            "text": draft.text,
            "accounts": list(draft.accounts.all()),
            "scheduled_for": timezone.localtime(draft.scheduled_for).strftime("%Y-%m-%d %H:%M")
            if draft.scheduled_for
            else "",
        }
    form = forms.DraftForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["text"].widget.attrs["hx-post"] = reverse("publishing:draft_check")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        remove = [int(i) for i in request.POST.getlist("remove_image") if i.isdigit()]
        try:
            new_images = _images_from(request, form)
            draft = services.draft_save(
                author=person,
                draft=draft,
                title=data["title"],
                text=data["text"],
                account_ids=[a.pk for a in data["accounts"]],
                scheduled_for=data["scheduled_for"],
                new_images=new_images,
                remove_image_ids=remove,
            )
        except media.ImageRefused as exc:
            form.add_error("images", str(exc))
        except services.PublishingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your draft is saved and checked.")
            return redirect("publishing:draft_detail", pk=draft.pk)
    text = form.data.get("text", "") if form.is_bound else initial.get("text", "")
    live = _live_check(
        text,
        form.data.getlist("accounts")
        if form.is_bound
        else [a.pk for a in initial.get("accounts", [])],
    )
    return render(
        request,
        "publishing/draft_form.html",
        {"form": form, "draft": draft, **live},
        status=400 if form.errors else 200,
    )


@require("publishing.draft")
def draft_new(request):
    return _draft_form_page(request)


@require("publishing.draft")
def draft_edit(request, pk):
    draft = get_object_for_user(request.user, Draft.objects.all(), pk=pk)
    if not services.can_edit_draft(request.user, draft):
        raise PermissionDenied("only the author edits a draft that is not published")
    return _draft_form_page(request, draft)


def _live_check(text: str, account_ids) -> dict:
    if not (text or "").strip():
        return {
            "live_error": "Start typing the post to see the checks.",
            **_findings_context("", []),
        }
    try:
        services.validate_text(text)
    except services.PublishingError as exc:
        return {"live_error": exc.message, **_findings_context("", [])}
    ids = [int(i) for i in account_ids if str(i).isdigit()]
    channels = {a.channel for a in OfficialAccount.objects.filter(pk__in=ids)}
    channel = next(
        (c for c in ("official_social_media", "website", "newsletter") if c in channels),
        "official_social_media",
    )
    result = services.check_text(text=text, channel=channel).to_dict()
    return {"live_error": "", **_findings_context(text, result["findings"])}


@require("publishing.draft")
@require_POST
def draft_check(request):
    """The HTMX partial: the post re-checked while the author types."""
    context = _live_check(request.POST.get("text", ""), request.POST.getlist("accounts"))
    return render(request, "publishing/_check_result.html", context)


@require("publishing.draft")
def draft_detail(request, pk):
    draft = get_object_for_user(
        request.user, Draft.objects.select_related("author", "approver", "decided_by"), pk=pk
    )
    audit_view(obj=draft)
    context = {
        "draft": draft,
        "can_edit": services.can_edit_draft(request.user, draft),
        "is_author": draft.author_id == getattr(user_person(request.user), "pk", None),
        "images": draft.images.all(),
        "publications": draft.publications.select_related("account"),
        "nobody_can_approve": draft.state == "submitted" and not services.can_anyone_approve(draft),
        **_findings_context(draft.text, draft.findings),
    }
    return render(request, "publishing/draft_detail.html", context)


@require("publishing.draft")
def draft_submit(request, pk):
    draft = get_object_for_user(request.user, Draft.objects.all(), pk=pk)
    person = user_person(request.user)
    if draft.author_id != getattr(person, "pk", None):
        raise PermissionDenied("only the author submits")
    error = ""
    if request.method == "POST":
        if request.POST.get("understood") != "yes":
            error = "Confirm that you have read the reminder"
        else:
            try:
                services.draft_submit(draft=draft, author=person)
            except services.PublishingError as exc:
                error = exc.message
            else:
                if draft.approver is None:
                    messages.warning(
                        request,
                        "Your post is submitted, but no designated social media officer other "
                        "than you has in-date training, so nobody can approve it yet. The "
                        "Headteacher has been told.",
                    )
                else:
                    messages.success(
                        request,
                        "Your post has gone to a designated social media officer for approval.",
                    )
                return redirect("publishing:draft_detail", pk=draft.pk)
    return render(
        request,
        "publishing/draft_submit.html",
        {"draft": draft, "error": error, **_findings_context(draft.text, draft.findings)},
        status=400 if error else 200,
    )


def _image_response(data: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def draft_image(request, pk, image_id):
    # Shown on the draft page (staff) and on the approval page (officers and leadership).
    if not (
        has_capability(request.user, "publishing.draft")
        or has_capability(request.user, "publishing.archive")
    ):
        raise PermissionDenied("needs publishing.draft or publishing.archive")
    draft = get_object_for_user(request.user, Draft.objects.all(), pk=pk)
    image = get_object_or_404(draft.images, pk=image_id)
    # Decrypted in memory for this response only; never kept by a browser or a proxy cache.
    response = _image_response(media.image_read(image.stored_name), image.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- approvals


@require("publishing.archive")
def approval_list(request):
    person = user_person(request.user)
    waiting = (
        Draft.objects.filter(state="submitted")
        .select_related("author", "approver")
        .order_by("due_at")
    )
    gate = (
        services.officer_gate(person)
        if has_capability(request.user, "publishing.approve")
        else None
    )
    return render(
        request,
        "publishing/approval_list.html",
        {
            "waiting": waiting,
            "gate": gate,
            "person": person,
            "now": clock.now(),
            "recent": Draft.objects.filter(
                state__in=("approved", "published", "returned", "rejected"),
                decided_at__isnull=False,
            ).select_related("author", "decided_by")[:20],
        },
    )


@require("publishing.archive")
def approval_detail(request, pk):
    draft = get_object_or_404(
        Draft.objects.select_related("author", "approver", "decided_by"), pk=pk
    )
    audit_view(obj=draft)
    person = user_person(request.user)
    may_decide = has_capability(request.user, "publishing.approve")
    gate = services.officer_gate(person) if may_decide else None
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied("only designated officers decide")
        if form.is_valid():
            decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
            try:
                if decision == "approve":
                    draft = services.draft_approve(draft=draft, user=request.user)
                    messages.success(
                        request,
                        "Approved." + (" It is published." if draft.state == "published" else ""),
                    )
                else:
                    services.draft_decline(
                        draft=draft, user=request.user, comment=comment, reject=decision == "reject"
                    )
                    messages.success(request, "The author has been told.")
            except services.PublishingError as exc:
                form.add_error("comment" if exc.field == "comment" else None, exc.message)
            else:
                return redirect("publishing:approval_list")
    context = {
        "draft": draft,
        "form": form,
        "gate": gate,
        "may_decide": may_decide,
        "is_author": person is not None and draft.author_id == person.pk,
        "images": draft.images.all(),
        **_findings_context(draft.text, draft.findings),
    }
    return render(
        request, "publishing/approval_detail.html", context, status=400 if form.errors else 200
    )


# ---------------------------------------------------------------- official accounts


@require("publishing.accounts")
def account_list(request):
    return render(
        request,
        "publishing/account_list.html",
        {
            "accounts": OfficialAccount.objects.all(),
            "school": publishing_pack(),
            "can_manage": has_capability(request.user, "publishing.accounts_manage"),
            "officers": [(p, services.officer_gate(p)) for p in services.officers()],
        },
    )


def _account_page(request, account=None):
    initial = {}
    if account is not None:
        initial = {
            k: getattr(account, k)
            for k in (
                "platform",
                "name",
                "address",
                "connector",
                "base_url",
                "remote_account_id",
                "is_active",
            )
        }
    form = forms.AccountForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_save(user=request.user, account=account, **form.cleaned_data)
        except services.PublishingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{account.name} is saved as an account of the school.")
            return redirect("publishing:account_list")
    return render(
        request,
        "publishing/account_form.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


@require("publishing.accounts_manage")
def account_new(request):
    return _account_page(request)


@require("publishing.accounts_manage")
def account_edit(request, pk):
    return _account_page(request, get_object_or_404(OfficialAccount, pk=pk))


# ---------------------------------------------------------------- outbox


@require("publishing.archive")
def publication_list(request):
    publications = Publication.objects.exclude(state="published").select_related("draft", "account")
    return render(request, "publishing/publication_list.html", {"publications": publications})


@require("publishing.approve")
@require_POST
def publication_retry(request, pk):
    publication = get_object_or_404(Publication, pk=pk)
    try:
        publication = services.publication_retry(publication=publication, user=request.user)
    except services.PublishingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "Published."
            if publication.state == "published"
            else "Tried again: it did not go out yet.",
        )
    return redirect("publishing:publication_list")


# ---------------------------------------------------------------- archive


@require("publishing.archive")
def archive_list(request):
    query = request.GET.get("q", "")
    page = Paginator(services.archive_search(query), 25).get_page(request.GET.get("page"))
    return render(request, "publishing/archive_list.html", {"page_obj": page, "query": query})


@require("publishing.archive")
def archive_detail(request, pk):
    item = get_object_or_404(ArchiveItem.objects.select_related("account"), pk=pk)
    audit_view(obj=item)
    form = forms.TakedownForm(request.POST or None)
    if request.method == "POST":
        if not has_capability(request.user, "publishing.takedown"):
            raise PermissionDenied("takedown needs an officer or the Headteacher")
        if form.is_valid():
            try:
                services.item_take_down(
                    item=item, user=request.user, reason=form.cleaned_data["reason"]
                )
            except services.PublishingError as exc:
                form.add_error("reason" if exc.field == "reason" else None, exc.message)
            else:
                messages.success(
                    request, "The post is taken down. The record stays in the archive."
                )
                return redirect("publishing:archive_detail", pk=item.pk)
    return render(
        request,
        "publishing/archive_detail.html",
        {
            "item": item,
            "form": form,
            "takedowns": item.takedowns.select_related("taken_down_by"),
            "can_take_down": has_capability(request.user, "publishing.takedown"),
            **_findings_context("", item.findings_at_approval),
        },
        status=400 if form.errors else 200,
    )


@require("publishing.archive")
def archive_image(request, pk, number):
    item = get_object_or_404(ArchiveItem, pk=pk)
    if not 0 <= number < len(item.images):
        raise Http404
    image = item.images[number]
    return _image_response(media.image_read(image["stored_name"]), image["content_type"])


# ---------------------------------------------------------------- website register


@require("publishing.website")
def website_register(request):
    today = timezone.localdate(clock.now())
    pages = [
        (p, services.page_due_on(p), services.page_due_on(p) < today)
        for p in WebsitePage.objects.select_related("owner")
    ]
    return render(request, "publishing/website_register.html", {"pages": pages})


def _website_page_form(request, page=None):
    initial = None
    if page is not None:
        initial = {
            "title": page.title,
            "path": page.path,
            "owner": page.owner,
            "review_every_days": page.review_every_days,
            "last_reviewed_on": page.last_reviewed_on,
        }
    form = forms.WebsitePageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.website_page_save(page=page, **form.cleaned_data)
        except services.PublishingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "The website register is updated.")
            return redirect("publishing:website_register")
    return render(
        request,
        "publishing/website_page_form.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


@require("publishing.website")
def website_page_new(request):
    return _website_page_form(request)


@require("publishing.website")
def website_page_edit(request, pk):
    return _website_page_form(request, get_object_or_404(WebsitePage, pk=pk))


@require("publishing.website")
@require_POST
def website_page_reviewed(request, pk):
    page = get_object_or_404(WebsitePage, pk=pk)
    services.website_page_reviewed(page=page)
    messages.success(request, f"“{page.title}” is marked as reviewed today.")
    return redirect("publishing:website_register")


# ---------------------------------------------------------------- public pages


def news(request):
    items = services.public_items("website")[:30]
    return render(
        request,
        "publishing/news.html",
        {"items": items, "newsletter_name": publishing_pack().newsletter_name},
    )


def news_item(request, remote_id):
    item = get_object_or_404(services.public_items("website"), remote_id=remote_id)
    return render(request, "publishing/news_item.html", {"item": item})


def public_image(request, remote_id, number):
    item = ArchiveItem.objects.filter(
        remote_id=remote_id, platform__in=("website", "newsletter"), takedowns__isnull=True
    ).first()
    if item is None or not 0 <= number < len(item.images):
        raise Http404
    image = item.images[number]
    return _image_response(media.image_read(image["stored_name"]), image["content_type"])


def _issues():
    dates = services.public_items("newsletter").dates("published_at", "month", order="DESC")
    return [d.strftime("%Y-%m") for d in dates]


def newsletter_index(request):
    return render(
        request,
        "publishing/newsletter_index.html",
        {"issues": _issues(), "name": publishing_pack().newsletter_name},
    )


def _issue_items(issue: str):
    try:
        year, month = (int(x) for x in issue.split("-"))
    except ValueError:
        raise Http404 from None
    # An issue is a real month: year 0 or 99999 would crash the date lookup (a 500 on a public page).
    if not (1 <= year <= 9998 and 1 <= month <= 12):
        raise Http404
    items = services.public_items("newsletter").filter(
        published_at__year=year, published_at__month=month
    )
    items = items.order_by("published_at", "pk")
    if not items.exists():
        raise Http404
    return items


def newsletter_issue(request, issue):
    items = _issue_items(issue)
    return render(
        request,
        "publishing/newsletter_issue.html",
        {
            "items": items,
            "issue": issue,
            "name": publishing_pack().newsletter_name,
            "month": items.first().published_at,
        },
    )


def newsletter_pdf(request, issue):
    from weasyprint import HTML

    items = _issue_items(issue)
    html = render_to_string(
        "publishing/newsletter_pdf.html",
        {
            "items": items,
            "name": publishing_pack().newsletter_name,
            "month": items.first().published_at,
            "images": {
                item.pk: [media.image_read(i["stored_name"]) for i in item.images] for item in items
            },
        },
    )
    pdf = HTML(string=html, base_url=None, url_fetcher=_data_urls_only()).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="st-martins-post-{issue}.pdf"'
    return response


def _data_urls_only():
    """The PDF is built from data: URLs only; nothing is fetched from the network or disk."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})
