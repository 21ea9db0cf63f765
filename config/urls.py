"""URL map: portal pages, staff pages, the JSON API, the OIDC provider, Django admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from govplus.core import health
from govplus.core.api import api_docs_oauth2_redirect, build_api
from govplus.identity.views import RootDiscoveryView

api = build_api()

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/oauth2-redirect.html", api_docs_oauth2_redirect, name="api-docs-oauth2-redirect"),
    path("api/v1/", api.urls),
    path(".well-known/openid-configuration", RootDiscoveryView.as_view(), name="oidc-discovery"),
    path("o/.well-known/openid-configuration", RootDiscoveryView.as_view()),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("govplus.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
