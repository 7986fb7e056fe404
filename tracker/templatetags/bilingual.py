"""`{% in_language obj "title" %}`: a Spanish-and-English text in the reader's language, marked
`lang="es"` where an English reader is shown the Spanish (screen readers then read it as Spanish)."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from tracker.bilingual import reads_spanish, shown_text

register = template.Library()


@register.simple_tag
def in_language(obj, field: str, lines: bool = False) -> SafeString:
    text, language = shown_text(getattr(obj, field), getattr(obj, f"{field}_en"))
    html = linebreaksbr(text, autoescape=True) if lines else conditional_escape(text)
    if text and language == "es" and not reads_spanish():
        return format_html('<span lang="es">{}</span>', html)
    return html
