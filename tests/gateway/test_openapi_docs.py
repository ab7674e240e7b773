"""The document and the page that reads it, served by the running gateway, with nothing from outside."""
from __future__ import annotations

import re

import requests

from services.gateway.openapi import document


def test_the_document_is_served_without_a_token(gateway):
    answer = requests.get(gateway + "/v1/openapi.json", timeout=30)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == document()
    assert answer.json()["openapi"] == "3.1.0"


def test_the_docs_page_loads_only_files_the_gateway_serves(gateway):
    page = requests.get(gateway + "/docs", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "//" not in re.sub(r"<!DOCTYPE[^>]*>", "", page.text), "no URL with a host: no CDN"
    assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in assets and "/docs/assets/docs.js" in assets
    for asset in assets:
        answer = requests.get(gateway + asset, timeout=30)
        assert answer.status_code == 200 and len(answer.content) > 0, asset
    start = requests.get(gateway + "/docs/assets/docs.js", timeout=30).text
    assert '"/v1/openapi.json"' in start
    assert requests.get(gateway + "/docs/assets/..%2Fsecrets", timeout=30).status_code == 404
    assert requests.get(gateway + "/docs/assets/index.html", timeout=30).status_code == 404
