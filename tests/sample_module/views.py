from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def sample_page(request: HttpRequest) -> HttpResponse:
    return render(request, "sample_module/page.html")
