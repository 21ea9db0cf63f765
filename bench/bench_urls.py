"""The product's URLconf plus `/bench/bare`: a bare Django view returning a fixed string, and
`/bench/record/<resource_id>/<key_hash>`: a bare view that reads one exchange record with one SQL query.

The bare views go through the same middleware stack (sessions, locale, CSRF, auth, messages, request
context) as every product page, so "bare" measures Django + gunicorn + middleware, nothing of govplus;
the record view adds the one indexed query a gateway lookup cannot do without (the baseline of the
gateway benchmark: "the same lookups done by a bare view with one SQL query on the same server").
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def bare_record(request: HttpRequest, resource_id: int, key_hash: str) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version, data_encrypted FROM exchange_resourcerecord WHERE resource_id = %s AND key_hash = %s",
            [resource_id, key_hash],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"version": row[0], "data": row[1]})


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/record/<int:resource_id>/<str:key_hash>", bare_record, name="bench-record"),
    path("", include("config.urls")),
]
