"""Texts kept in Spanish (the committee's working language) and, optionally, in English, shown
in the reader's language: the English text for English readers when there is one, else the Spanish."""

from django.utils.translation import get_language


def reads_spanish() -> bool:
    return (get_language() or "en").startswith("es")


def shown_text(spanish: str, english: str) -> tuple[str, str]:
    """The text to show and its language ("es" or "en")."""
    return (english, "en") if english and not reads_spanish() else (spanish, "es")


def text_for_reader(spanish: str, english: str) -> str:
    """The one of the two texts to show in the active language."""
    return shown_text(spanish, english)[0]
