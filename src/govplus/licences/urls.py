from django.urls import path

from govplus.licences import views_verify

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path(".well-known/jwt-vc-issuer", views_verify.jwt_vc_issuer, name="jwt_vc_issuer"),
    path("licences/verify", views_verify.licence_verify, name="licence_verify"),
    path("licences/verify/<str:licence_id>", views_verify.licence_verify_id, name="licence_verify_id"),
]
