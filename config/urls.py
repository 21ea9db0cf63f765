"""URL map: portal pages, staff pages, the JSON API, the OIDC provider, Django admin. Uploaded files
(MEDIA_ROOT) have no URL here."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from govplus.core.api import build_api
from govplus.identity.views import AuditedAuthorizationView, HeaderOnlyUserInfoView, RootDiscoveryView
from govplus.portal import views_auth

api = build_api()

urlpatterns = [
    path("api/v1/", api.urls),
    path(".well-known/openid-configuration", RootDiscoveryView.as_view(), name="oidc-discovery"),
    path("o/.well-known/openid-configuration", RootDiscoveryView.as_view()),
    path("o/authorize/", AuditedAuthorizationView.as_view(), name="oidc-authorize"),
    path("o/userinfo/", HeaderOnlyUserInfoView.as_view(), name="oidc-userinfo"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/login/", views_auth.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("govplus.portal.urls")),
]

# MEDIA_ROOT is never served, DEBUG included: uploaded materials are personal data, reachable only
# through views that check who asks (the case's staff, the applicant), never by their storage path.
