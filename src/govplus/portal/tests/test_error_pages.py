"""Error pages speak the visitor's language and say what happened to their input."""

from __future__ import annotations

from django.test import Client


def test_an_unknown_page_is_a_chinese_404_with_a_way_on(county, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/services/"' in html


def test_an_unknown_page_in_english(county, client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_a_form_posted_without_its_token_explains_that_nothing_was_submitted(county):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "zhangsan", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode() and "没有被提交" in response.content.decode()
