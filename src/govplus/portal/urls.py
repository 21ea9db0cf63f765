from django.urls import path, register_converter

from govplus.portal import views_auth, views_citizen, views_public, views_staff


class RowIdConverter:
    """A database id: at most 18 digits, so that a longer number is a 404 and never overflows the
    database's 64-bit integer (a 500)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowIdConverter, "id")

app_name = "portal"
urlpatterns = [
    path("", views_public.home, name="home"),
    path("services/", views_public.search, name="search"),
    path("services/<str:code>/", views_public.guide, name="guide"),
    path("services/<str:code>/apply/", views_citizen.apply_start, name="apply"),
    path("power-list/", views_public.power_list, name="power_list"),
    path("responsibility-list/", views_public.responsibility_list, name="responsibility_list"),
    path("lang/<str:code>/", views_public.language, name="language"),
    path("progress/", views_public.progress, name="progress"),
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("register/", views_auth.register_view, name="register"),
    path("account/totp/", views_auth.totp_setup, name="totp"),
    path("my/applications", views_citizen.my_applications, name="my_applications"),
    path("my/applications/<str:receipt_no>", views_citizen.application_detail, name="application_detail"),
    path("my/applications/<str:receipt_no>/materials", views_citizen.apply_materials, name="apply_materials"),
    path("my/applications/<str:receipt_no>/review", views_citizen.apply_review, name="apply_review"),
    path("my/applications/<str:receipt_no>/rate", views_citizen.application_rate, name="rate"),
    path("my/applications/<str:receipt_no>/withdraw", views_citizen.application_withdraw, name="withdraw"),
    path("inbox/", views_citizen.inbox, name="inbox"),
    path("staff/", views_staff.workbench, name="workbench"),
    path("staff/cases/<str:receipt_no>", views_staff.case_page, name="case"),
    path("staff/cases/<str:receipt_no>/act", views_staff.case_act, name="case_act"),
    path("staff/cases/<str:receipt_no>/reveal", views_staff.case_reveal, name="case_reveal"),
    path("staff/cases/<str:receipt_no>/materials/<id:material_id>", views_staff.material_view, name="material"),
    path("staff/tasks/<id:task_id>/act", views_staff.task_act, name="task_act"),
    path("staff/rectifications", views_staff.rectifications, name="rectifications"),
]
