from django.urls import path  # noqa: F401

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns: list = []
