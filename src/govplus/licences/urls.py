from django.urls import path

from govplus.licences import views_import, views_staff, views_verify, views_wallet

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path(".well-known/jwt-vc-issuer", views_verify.jwt_vc_issuer, name="jwt_vc_issuer"),
    path("licences/verify", views_verify.licence_verify, name="licence_verify"),
    path("licences/verify/<str:licence_id>", views_verify.licence_verify_id, name="licence_verify_id"),
    path("my/licences", views_wallet.wallet, name="licences"),
    path("my/licences/<str:licence_id>", views_wallet.licence_detail, name="licence_detail"),
    path("my/licences/<str:licence_id>/pdf", views_wallet.licence_pdf, name="licence_pdf"),
    path("my/licences/<str:licence_id>/share", views_wallet.licence_share, name="licence_share"),
    path("my/licences/<str:licence_id>/show", views_wallet.licence_show, name="licence_show"),
    path(
        "my/licences/<str:licence_id>/shares/<id:share_id>/withdraw",
        views_wallet.licence_share_withdraw,
        name="licence_share_withdraw",
    ),
    path("staff/licences", views_staff.register, name="licence_register"),
    # before staff/licences/<licence_id>: "import" is not a licence identifier
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
    path("staff/licences/<str:licence_id>", views_staff.licence_staff_detail, name="licence_staff_detail"),
    path("staff/licences/<str:licence_id>/reveal", views_staff.licence_reveal, name="licence_reveal"),
    path("staff/licences/<str:licence_id>/status", views_staff.licence_status, name="licence_status"),
    path("staff/licences/<str:licence_id>/annotate", views_staff.licence_annotate, name="licence_annotate"),
]
