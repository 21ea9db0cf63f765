from django.urls import path, re_path

from govplus.appeals import views_citizen, views_hotline, views_open311, views_public, views_staff

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("appeals/new", views_citizen.appeal_new, name="appeal_new"),
    path("appeals/public", views_public.public_appeals, name="appeals_public"),
    path("my/appeals", views_citizen.my_appeals, name="my_appeals"),
    path("my/appeals/<str:number>", views_citizen.my_appeal, name="my_appeal"),
    path("my/appeals/<str:number>/rate", views_citizen.my_appeal_rate, name="my_appeal_rate"),
    path("staff/appeals", views_staff.staff_appeals, name="staff_appeals"),
    path("staff/appeals/hotline", views_hotline.hotline, name="appeals_hotline"),
    path("staff/appeals/<str:number>", views_staff.staff_appeal, name="staff_appeal"),
    path("staff/appeals/<str:number>/photos/<int:photo_id>", views_staff.staff_appeal_photo, name="staff_appeal_photo"),
    path("staff/appeals/<str:number>/<str:step>", views_staff.staff_appeal_step, name="staff_appeal_step"),
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
