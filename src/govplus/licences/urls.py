from django.urls import path

from govplus.licences import views_import

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("staff/licences/import", views_import.licence_import, name="licence_import"),
    path("staff/licences/import/template", views_import.licence_import_template, name="licence_import_template"),
    path("staff/licences/import/<id:job_id>", views_import.licence_import_job, name="licence_import_job"),
    path("staff/licences/import/<id:job_id>/commit", views_import.licence_import_commit, name="licence_import_commit"),
    path("staff/licences/import/<id:job_id>/resume", views_import.licence_import_resume, name="licence_import_resume"),
    path(
        "staff/licences/import/<id:job_id>/progress",
        views_import.licence_import_progress,
        name="licence_import_progress",
    ),
    path(
        "staff/licences/import/<id:job_id>/problems.csv",
        views_import.licence_import_problems,
        name="licence_import_problems",
    ),
]
