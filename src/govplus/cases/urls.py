from django.urls import path

from govplus.cases import views_citizen, views_public, views_staff

# Included under the shared page namespace `portal:` (core/modules.py), so the names stay portal:<name>.
urlpatterns = [
    path("services/<str:code>/apply/", views_citizen.apply_start, name="apply"),
    path("progress/", views_public.progress, name="progress"),
    path("my/applications", views_citizen.my_applications, name="my_applications"),
    path("my/applications/<str:receipt_no>", views_citizen.application_detail, name="application_detail"),
    path("my/applications/<str:receipt_no>/materials", views_citizen.apply_materials, name="apply_materials"),
    path("my/applications/<str:receipt_no>/review", views_citizen.apply_review, name="apply_review"),
    path("my/applications/<str:receipt_no>/rate", views_citizen.application_rate, name="rate"),
    path("my/applications/<str:receipt_no>/withdraw", views_citizen.application_withdraw, name="withdraw"),
    path("staff/", views_staff.workbench, name="workbench"),
    path("staff/cases/<str:receipt_no>", views_staff.case_page, name="case"),
    path("staff/cases/<str:receipt_no>/act", views_staff.case_act, name="case_act"),
    path("staff/cases/<str:receipt_no>/reveal", views_staff.case_reveal, name="case_reveal"),
    path("staff/cases/<str:receipt_no>/materials/<id:material_id>", views_staff.material_view, name="material"),
    path("staff/tasks/<id:task_id>/act", views_staff.task_act, name="task_act"),
    path("staff/rectifications", views_staff.rectifications, name="rectifications"),
]
