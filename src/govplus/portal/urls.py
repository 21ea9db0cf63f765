from django.urls import path

from govplus.portal import views_auth, views_shell

# The shell's pages. The other modules' pages join the same `portal:` namespace from their own urls.py
# (composed in config/urls.py from each module's ModuleSpec).
app_name = "portal"
urlpatterns = [
    path("", views_shell.home, name="home"),
    path("lang/<str:code>/", views_shell.language, name="language"),
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("register/", views_auth.register_view, name="register"),
    path("account/totp/", views_auth.totp_setup, name="totp"),
    path("inbox/", views_shell.inbox, name="inbox"),
]
