import logging

from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracker.health import broker_status, database_status

log = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 with {"database": "ok", "broker": "ok"} when both answer, else 503 naming the failure."""
    checks = {"database": database_status, "broker": broker_status}
    report = {}
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is what this reports
            log.warning("health check %s failed: %s", name, exc)
            report[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse({"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503)


def not_found(request, exception=None):
    """JSON under /api/ (what API clients parse), Django's page elsewhere."""
    if request.path.startswith(("/api/", "/calendar/")):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
