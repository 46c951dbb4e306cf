"""The post text with each finding marked in place, built with format_html (user text is escaped)."""

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

_RANK = {"block": 3, "review": 2, "info": 1}


def _plain(text: str) -> SafeString:
    # Escaped first, so the only markup is the <br> added here.
    return mark_safe(escape(text).replace("\n", "<br>"))


def highlight(text: str, findings: list[dict]) -> SafeString:
    """`<mark class="sg-finding sg-finding--<severity>">` around each finding's span. Overlapping
    spans merge into one mark with the worst severity; whole-post findings (0, 0) are not marked."""
    spans = sorted(
        (f["start"], f["end"], f["severity"], number)
        for number, f in enumerate(findings, start=1)
        if f["end"] > f["start"] and f["end"] <= len(text)
    )
    merged: list[list] = []
    for start, end, severity, number in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if _RANK[severity] > _RANK[last[2]]:
                last[2] = severity
            last[3].append(number)
        else:
            merged.append([start, end, severity, [number]])
    pieces = []
    cursor = 0
    for start, end, severity, numbers in merged:
        pieces.append(_plain(text[cursor:start]))
        label = ", ".join(str(n) for n in numbers)
        pieces.append(
            format_html(
                '<mark class="sg-finding sg-finding--{}">{}<span class="govuk-visually-hidden"> (finding {}: {})</span></mark>',
                severity,
                _plain(text[start:end]),
                label,
                severity,
            )
        )
        cursor = end
    pieces.append(_plain(text[cursor:]))
    return mark_safe("".join(pieces))
