"""`{% in_language obj "title" %}`: a Spanish-and-English text in the reader's language, marked
`lang="es"` where an English reader is shown the Spanish (screen readers then read it as Spanish)."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tracker.bilingual import in_reader_language

register = template.Library()


@register.simple_tag
def in_language(obj, field: str, lines: bool = False) -> SafeString:
    spanish, english = getattr(obj, field), getattr(obj, f"{field}_en")
    text = in_reader_language(spanish, english)
    html = linebreaksbr(text, autoescape=True) if lines else conditional_escape(text)
    if text and text is spanish and not (get_language() or "en").startswith("es"):
        return format_html('<span lang="es">{}</span>', html)
    return html
