from django.urls import path

from govplus.catalog import views

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("services/", views.search, name="search"),
    path("services/<str:code>/", views.guide, name="guide"),
    path("power-list/", views.power_list, name="power_list"),
    path("responsibility-list/", views.responsibility_list, name="responsibility_list"),
]
