"""Texts kept in Spanish (the committee's working language) and, optionally, in English, shown
in the reader's language: the English text for English readers when there is one, else the Spanish."""

from django.utils.translation import get_language


def in_reader_language(spanish: str, english: str) -> str:
    reads_spanish = (get_language() or "en").startswith("es")
    return spanish if reads_spanish or not english else english
