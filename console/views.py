from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found as html_page_not_found
from django.views.defaults import server_error as html_server_error

from console.health import health_report
from console.integrations.errors import error_body, json_not_found, json_server_error
from console.roles import landing_page, roles_of

LOCKED_OUT_STATUS = 429


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def home(request):
    """Where a person lands after signing in (LOGIN_REDIRECT_URL) and at /: their role's page."""
    url_name = landing_page(request.user)
    if url_name:
        return redirect(url_name)
    return render(request, "console/home.html", {"roles": roles_of(request.user)})


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return html_page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return html_server_error(request)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a sign-in refused for too many wrong passwords (its
    AXES_LOCKOUT_CALLABLE): JSON for a script, a page for a person; Retry-After the cool-off."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        response = JsonResponse(
            error_body(
                code="locked_out",
                message=_("Too many wrong passwords. Try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            ),
            status=LOCKED_OUT_STATUS,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": minutes},
            status=LOCKED_OUT_STATUS,
        )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
