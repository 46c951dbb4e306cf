"""Keyword and domain matching: one Aho-Corasick automaton over every category's keywords.

Targets (URLs, search terms, subjects, file names) are lower-cased and URL-decoded first, so the
search terms of q=, p= and the like read as typed. A keyword hit counts only at word boundaries,
so "scunthorpe" never matches a four-letter word inside it. Domains match the host or a parent.
"""

from urllib.parse import unquote_plus

import ahocorasick


def _boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end + 1] if end + 1 < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def expand(target: str) -> str:
    """The target lower-cased with URL encoding undone (so `q=kill+myself` reads `kill myself`)."""
    text = target.lower()
    if "+" in text:
        text = text.replace("+", " ")
    return unquote_plus(text) if "%" in text else text


class Matcher:
    def __init__(self, categories: dict):
        self.automaton = ahocorasick.Automaton()
        self.domains: dict[str, list] = {}
        for category in categories.values():
            for word in category.keywords:
                existing = self.automaton.get(word, ())
                self.automaton.add_word(word, (*existing, (category.id, word)))
            for domain in category.domains:
                self.domains.setdefault(domain, []).append((category.id, domain))
        self.has_words = len(self.automaton) > 0
        if self.has_words:
            self.automaton.make_automaton()

    def _domain_hits(self, host: str):
        if not host or not self.domains:
            return
        while True:
            hit = self.domains.get(host)
            if hit:
                yield from hit
            dot = host.find(".")
            if dot < 0:
                return
            host = host[dot + 1 :]

    def match(self, targets, host: str = "") -> list[tuple[str, str, str]]:
        """[(category, matched word or domain, target)], one per category."""
        found: dict[str, tuple[str, str, str]] = {}
        for category, domain in self._domain_hits(host):
            found.setdefault(category, (category, domain, host))
        if self.has_words:
            for target in targets:
                text = expand(target)
                for end, hits in self.automaton.iter(text):
                    for category, word in hits:
                        if category not in found and _boundary(text, end - len(word) + 1, end):
                            found[category] = (category, word, target[:500])
        return list(found.values())
