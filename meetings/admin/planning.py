"""Planning the next session: `?plan_after=<id>` on the add page proposes the session after that
one (next number, the other host at the venue it used last, the first free Monday, the same
agenda), for the secretariat to review before saving; `?committee=<id>` proposes a committee."""

from weakref import WeakKeyDictionary

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from committees.access import access_for, committees_editable
from meetings.selectors import SessionProposal, session_next_proposal

# The proposal of each request, worked out once (the admin asks for it from several hooks).
_proposals: "WeakKeyDictionary[HttpRequest, SessionProposal | None]" = WeakKeyDictionary()


def proposal_for(request: HttpRequest, *, editable: QuerySet) -> SessionProposal | None:
    """The session proposed after the one `?plan_after=<id>` names among `editable`, or None."""
    if request not in _proposals:
        chosen = request.GET.get("plan_after", "")
        previous = (
            editable.select_related("committee").filter(pk=int(chosen)).first()
            if chosen.isdigit() and len(chosen) <= 18
            else None
        )
        _proposals[request] = session_next_proposal(after=previous, today=timezone.localdate()) if previous else None
    return _proposals[request]


def proposal_initial(proposal: SessionProposal) -> dict:
    """The session form's initial values for a proposal."""
    return {
        "committee": proposal.committee_id,
        "number": proposal.number,
        "title": proposal.title,
        "title_en": proposal.title_en,
        "host_country": proposal.host_country,
        "timezone": proposal.timezone,
        "venue": proposal.venue,
        "starts_at": proposal.starts_local,
        "ends_at": proposal.ends_local,
    }


def agenda_initial(proposal: SessionProposal) -> list[dict]:
    """The agenda formset's initial rows for a proposal."""
    return [{**item, "position": n} for n, item in enumerate(proposal.agenda, start=1)]


def committee_initial(request: HttpRequest, initial: dict) -> dict:
    """`?committee=<id>` among the user's committees, or the only one they plan for: that
    committee and its zone, proposed."""
    initial.pop("plan_after", None)
    chosen = str(initial.pop("committee", ""))
    mine = committees_editable(access=access_for(request.user))
    committees = list(mine.filter(pk=int(chosen))) if chosen.isdigit() else []
    if not committees:
        committees = list(mine[:2])
    if len(committees) == 1:
        initial["committee"] = committees[0].pk
        initial.setdefault("timezone", committees[0].default_timezone)
    return initial
