from django.urls import path

from govplus.exchange import (
    views_catalogue,
    views_data_uses,
    views_evidence,
    views_federation,
    views_sharing,
    views_subscriptions,
    views_usage,
)

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
    path("staff/exchange/nodes", views_federation.federation_nodes, name="exchange_nodes"),
    path("staff/exchange/nodes/<str:code>", views_federation.federation_node, name="exchange_node"),
    path(
        "staff/exchange/nodes/<str:code>/<str:resource_code>/request",
        views_federation.federation_request_new,
        name="exchange_node_request_new",
    ),
    path("staff/exchange/subscriptions", views_subscriptions.subscription_list, name="exchange_subscriptions"),
    path(
        "staff/exchange/subscriptions/<id:subscription_id>/<str:action>",
        views_subscriptions.subscription_action,
        name="exchange_subscription_action",
    ),
    path("staff/exchange/usage", views_usage.usage_page, name="exchange_usage"),
    path("staff/exchange/evidence", views_evidence.evidence_page, name="exchange_evidence"),
    path("staff/exchange/evidence/export", views_evidence.evidence_download, name="exchange_evidence_export"),
    path(
        "staff/exchange/supplied/<str:receipt_no>/<str:material_code>",
        views_data_uses.supplied_data,
        name="exchange_supplied",
    ),
]

urlpatterns += [
    path("staff/exchange/resources", views_catalogue.resource_list, name="exchange_resources"),
    path("staff/exchange/resources/<str:code>", views_catalogue.resource_detail, name="exchange_resource"),
    path("staff/exchange/resources/<str:code>/publish", views_catalogue.resource_publish, name="exchange_publish"),
    path("staff/exchange/resources/<str:code>/upload", views_catalogue.resource_upload, name="exchange_upload"),
    path(
        "staff/exchange/resources/<str:code>/versions/<int:number>/apply",
        views_catalogue.version_apply,
        name="exchange_version_apply",
    ),
    path("staff/exchange/resources/<str:code>/source", views_catalogue.resource_source, name="exchange_source"),
]
