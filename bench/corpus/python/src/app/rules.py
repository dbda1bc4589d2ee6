"""Category rules: the first pattern that matches a description names its category."""
from __future__ import annotations

import re
from typing import Iterable, List, Pattern, Tuple


class Rules:
    """Compiled ``(category, pattern)`` pairs, tried in order."""

    def __init__(self, rules: Iterable[Tuple[str, str]], fallback: str = "other") -> None:
        self._rules: List[Tuple[str, Pattern[str]]] = [
            (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in rules
        ]
        self.fallback = fallback

    def categorise(self, description: str) -> str:
        """The category of ``description``."""
        for name, pattern in self._rules:
            if pattern.search(description):
                return name
        return self.fallback

    def names(self) -> List[str]:
        """The categories in rule order, the fallback last."""
        seen: List[str] = []
        for name, _ in self._rules:
            if name not in seen:
                seen.append(name)
        return seen + [self.fallback]
