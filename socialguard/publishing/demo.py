"""Demo records: the school's official accounts, drafts in each state (one blocked for naming a
pupil, one awaiting approval, one returned), published news and St Martin's Post articles, and the
website register with an overdue page."""

from datetime import timedelta

from django.utils import timezone

from socialguard import clock
from socialguard.people.models import Person
from socialguard.web.demo import register_demo

from . import services
from .models import Draft, OfficialAccount, WebsitePage

ACCOUNTS = [
    ("website", "School website news", "website", "/publishing/news/"),
    ("newsletter", "St Martin’s Post", "newsletter", "/publishing/st-martins-post/"),
    (
        "facebook",
        "St Martin’s School Facebook page",
        "manual",
        "https://www.facebook.com/stmartins.example",
    ),
    ("x", "@StMartinsSchool on X", "manual", "https://x.com/StMartinsSchool"),
    (
        "instagram",
        "St Martin’s School Instagram",
        "manual",
        "https://www.instagram.com/stmartins.example",
    ),
    (
        "youtube",
        "St Martin’s School YouTube",
        "manual",
        "https://www.youtube.com/@stmartins.example",
    ),
]


def _person(external_id):
    return Person.objects.select_related("user").get(external_id=external_id)


def _accounts():
    head = _person("STAFF-001")
    for platform, name, connector, address in ACCOUNTS:
        if not OfficialAccount.objects.filter(name=name).exists():
            services.account_save(
                user=head.user, platform=platform, name=name, connector=connector, address=address
            )
    return {a.platform: a for a in OfficialAccount.objects.all()}


def _draft(author, title, text, accounts):
    existing = Draft.objects.filter(author=author, title=title).first()
    if existing:
        return existing, False
    return services.draft_save(
        author=author, title=title, text=text, account_ids=[a.pk for a in accounts]
    ), True


def _published(author, approver, title, text, accounts, days_ago):
    with clock.frozen(clock.now() - timedelta(days=days_ago)):
        draft, new = _draft(author, title, text, accounts)
        if not new:
            return
        services.draft_submit(draft=draft, author=author)
        services.draft_approve(draft=draft, user=approver.user)


def _website():
    today = timezone.localdate(clock.now())
    pages = [
        ("Admissions", "/admissions/", "STAFF-001", 365, 30),
        ("Term dates", "/term-dates/", "STAFF-010", 90, 20),
        ("Safeguarding", "/safeguarding/", "STAFF-002", 180, 240),  # overdue
        ("School clubs", "/clubs/", "STAFF-012", 60, 75),  # overdue
    ]
    for title, path, owner, every, days_ago in pages:
        if not WebsitePage.objects.filter(path=path).exists():
            services.website_page_save(
                title=title,
                path=path,
                owner=_person(owner),
                review_every_days=every,
                last_reviewed_on=today - timedelta(days=days_ago),
            )


def _training_first():
    """Officers' training comes from the declarations demo; run it first (it is idempotent)."""
    try:
        from socialguard.declarations.demo import load_declarations_demo
    except (ImportError, AttributeError):
        return
    load_declarations_demo()


@register_demo
def load_publishing_demo():
    _training_first()
    accounts = _accounts()
    wilson, mbah, teacher, khan = (
        _person(x) for x in ("STAFF-005", "STAFF-006", "STAFF-012", "STAFF-011")
    )
    website, newsletter, facebook = (
        accounts["website"],
        accounts["newsletter"],
        accounts["facebook"],
    )
    if services.officer_gate(mbah).allowed:
        _published(
            teacher,
            mbah,
            "Year 7 science fair",
            "Our Year 7 scientists built volcanoes, rockets and a working water filter at this week's science fair. "
            "Thank you to every family who came along to see their work.",
            [website, newsletter],
            12,
        )
        _published(
            khan,
            mbah,
            "PTA summer fair raises £1,200",
            "The summer fair raised £1,200 for new library books. Thank you to all the families and staff who helped.",
            [website, facebook],
            5,
        )
    _draft(
        teacher,
        "Sports day winners",
        "Congratulations to Amy Jones for winning the 100 metres! Call her mum on 07700 900123 to say well done.",
        [website, facebook],
    )
    waiting, new = _draft(
        teacher,
        "Choir concert",
        "The school choir sings at the town hall on Friday at 6pm. Everyone is welcome and entry is free.",
        [website, newsletter],
    )
    if new:
        services.draft_submit(draft=waiting, author=teacher)
    returned, new = _draft(
        khan, "Maths week", "I think maths week was the best week of the year.", [website]
    )
    if new and services.officer_gate(mbah).allowed:
        services.draft_submit(draft=returned, author=khan)
        services.draft_decline(
            draft=returned,
            user=mbah.user,
            comment="Please write it as the school, not as your own view (PRIN-c).",
        )
    _website()
