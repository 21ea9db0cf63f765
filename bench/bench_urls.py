"""The product's URLconf plus `/bench/bare`: a bare Django view returning a fixed string.

The bare view goes through the same middleware stack (sessions, locale, CSRF, auth, messages, request
context) as every product page, so "bare" measures Django + gunicorn + middleware, nothing of govplus.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("", include("config.urls")),
]
