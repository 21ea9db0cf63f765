from django.urls import path, re_path

from govplus.appeals import views_open311

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("open311/discovery.json", views_open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>[a-z]+)$", views_open311.services, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[0-9A-Za-z_-]{1,20})\.(?P<fmt>[a-z]+)$",
        views_open311.service_definition,
        name="open311_service",
    ),
    re_path(r"^open311/v2/requests\.(?P<fmt>[a-z]+)$", views_open311.requests, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<number>[0-9A-Za-z_-]{1,40})\.(?P<fmt>[a-z]+)$",
        views_open311.request_detail,
        name="open311_request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token_id>[0-9A-Za-z_-]{1,40})\.(?P<fmt>[a-z]+)$",
        views_open311.token,
        name="open311_token",
    ),
]
