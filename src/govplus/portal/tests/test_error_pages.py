"""Error pages speak the visitor's language and say what happened to their input."""

from __future__ import annotations

from django.test import Client, override_settings


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


def test_with_debug_on_an_unknown_page_is_the_project_404_not_the_url_list(county):
    """`make run` runs with DEBUG on: a visitor must not get Django's page listing every URL."""
    with override_settings(DEBUG=True):
        response = Client().get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "页面不存在" in html and 'href="/services/"' in html
        assert "URLconf" not in html and "admin/" not in html
        # A 404 raised by a page (an unknown service code) gets the same page, in English too.
        response = Client().get("/services/NO-SUCH-ITEM/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode() and "Traceback" not in response.content.decode()
        # An address missing its slash is still redirected first.
        assert Client().get("/services").status_code == 301
