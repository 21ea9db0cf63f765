from django.urls import path

from tests.sample_module import views

urlpatterns = [path("sample/", views.sample_page, name="sample_page")]
