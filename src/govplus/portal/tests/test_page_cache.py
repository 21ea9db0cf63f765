"""Anonymous visitors get the public catalogue pages from the whole-page cache, never stale after a
catalogue write and never someone else's page; the language switch is a plain link."""

from __future__ import annotations

from django.test import Client

from govplus.catalog.models import ServiceItem
from govplus.catalog.services import service_item_set_status


def _guide(client: Client, code: str) -> str:
    response = client.get(f"/services/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_anonymous_guide_is_served_from_the_cache_without_a_query(county, client, django_assert_num_queries):
    url = f"/services/{county.standard_item.code}/"
    first = client.get(url)
    assert first.status_code == 200
    assert "Cookie" in first["Vary"] and "Set-Cookie" not in first.headers
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first.content


def test_a_signed_in_visitor_is_never_served_the_shared_page(county, client):
    anonymous = _guide(client, county.standard_item.code)
    assert "登录" in anonymous
    client.force_login(county.citizen)
    signed_in = _guide(client, county.standard_item.code)
    assert "我的办件" in signed_in and "退出" in signed_in and signed_in != anonymous


def test_retiring_an_item_takes_it_off_the_cached_pages_at_once(county, client):
    item = county.standard_item
    assert item.name in client.get("/services/", {"q": "身份证"}).content.decode()
    _guide(client, item.code)

    service_item_set_status(actor=None, code=item.code, status=ServiceItem.Status.RETIRED)

    assert client.get(f"/services/{item.code}/").status_code == 404
    assert item.name not in client.get("/services/", {"q": "身份证"}).content.decode()


def test_each_language_has_its_own_cached_page(county, client):
    chinese = _guide(client, county.standard_item.code)
    english = client.get(f"/services/{county.standard_item.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-CN">' in chinese and '<html lang="en">' in english


def test_the_language_link_sets_the_language_and_returns_to_the_page(county, client):
    guide_url = f"/services/{county.standard_item.code}/"
    assert 'href="/lang/en/?next=' in _guide(client, county.standard_item.code)

    response = client.get("/lang/en/", {"next": guide_url})

    assert response.status_code == 302 and response["Location"] == guide_url
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in _guide(client, county.standard_item.code)
    assert 'href="/lang/zh-hans/?next=' in _guide(client, county.standard_item.code)


def test_the_language_link_never_leads_off_the_site_nor_to_an_unknown_language(county, client):
    assert client.get("/lang/en/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/lang/fr/").status_code == 404
