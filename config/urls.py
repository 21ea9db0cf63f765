"""URL map, composed from the installed modules (`<module>/module.py`, see core/modules.py).

The JSON API (/api/v1/) mounts every module's routers; the page URLs of every module are included under
their namespace (`portal:` for all pages today); then the OIDC provider, Django admin and the language
switch. Uploaded files (MEDIA_ROOT) have no URL here. Adding a module adds it to INSTALLED_APPS; nothing here changes.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from govplus.core import (
    converters,  # noqa: F401 - registers the <id:…> converter before any module's URLs
    health,
)
from govplus.core.api import api_docs_oauth2_redirect, build_api
from govplus.core.modules import module_specs, resolve_dotted
from govplus.identity.views import AuditedAuthorizationView, HeaderOnlyUserInfoView, RootDiscoveryView
from govplus.portal import views_auth

MODULES = module_specs()

api = build_api(router for spec in MODULES for router in spec.api_routers)


def module_pages() -> list:
    """One include per namespace, holding the page URLs of every module using it, in INSTALLED_APPS order."""
    by_namespace: dict[str, list] = {}
    for spec in MODULES:
        if spec.urls:
            by_namespace.setdefault(spec.url_namespace, []).extend(resolve_dotted(spec.urls).urlpatterns)
    return [path("", include((patterns, namespace))) for namespace, patterns in by_namespace.items()]


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/oauth2-redirect.html", api_docs_oauth2_redirect, name="api-docs-oauth2-redirect"),
    path("api/v1/", api.urls),
    path(".well-known/openid-configuration", RootDiscoveryView.as_view(), name="oidc-discovery"),
    path("o/.well-known/openid-configuration", RootDiscoveryView.as_view()),
    path("o/authorize/", AuditedAuthorizationView.as_view(), name="oidc-authorize"),
    path("o/userinfo/", HeaderOnlyUserInfoView.as_view(), name="oidc-userinfo"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("admin/login/", views_auth.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    *module_pages(),
]

# MEDIA_ROOT is never served, DEBUG included: uploaded materials are personal data, reachable only
# through views that check who asks (the case's staff, the applicant), never by their storage path.
