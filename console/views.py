from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found as html_page_not_found
from django.views.defaults import server_error as html_server_error

from console.health import health_report
from console.integrations.errors import json_not_found, json_server_error
from console.roles import roles_of


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def home(request):
    return render(request, "console/home.html", {"roles": roles_of(request.user)})


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return html_page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    return html_server_error(request)
