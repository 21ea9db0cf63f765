from django.urls import path

from govplus.exchange import views_data_uses, views_sharing, views_usage

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("my/data-uses", views_data_uses.my_data_uses, name="my_data_uses"),
    path("staff/exchange/requests", views_sharing.sharing_requests, name="exchange_requests"),
    path("staff/exchange/requests/<str:number>", views_sharing.sharing_request_detail, name="exchange_request"),
    path("staff/exchange/resources/<str:code>/request", views_sharing.sharing_request_new, name="exchange_request_new"),
    path("staff/exchange/grants", views_sharing.sharing_grants, name="exchange_grants"),
    path(
        "staff/exchange/grants/<id:grant_id>/withdraw",
        views_sharing.sharing_grant_withdraw,
        name="exchange_grant_withdraw",
    ),
    path("staff/exchange/systems", views_sharing.consumer_systems, name="exchange_systems"),
    path("staff/exchange/usage", views_usage.usage_page, name="exchange_usage"),
    path(
        "staff/exchange/supplied/<str:receipt_no>/<str:material_code>",
        views_data_uses.supplied_data,
        name="exchange_supplied",
    ),
]
