"""The API's own description: the OpenAPI document and a page to read it.

The page is Swagger UI from the `swagger-ui-bundle-v2` package, served by the gateway itself:
colleges run the system on intranets, so no asset comes from a CDN."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common.contracts.api.answers import OpenObject
from services.gateway.errors import json_response
from services.gateway.openapi import document
from services.gateway.routing import route

DOCUMENT_URL = "/v1/openapi.json"
# The files of Swagger UI the page loads; nothing else of the package is served.
ASSETS = frozenset({"swagger-ui.css", "index.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                    "favicon-32x32.png", "favicon-16x16.png"})

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>branch-rhythm API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="/docs/assets/index.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/docs.js"></script>
</body>
</html>
"""
# In a file of its own, not inline: the page then works under a Content-Security-Policy without
# 'unsafe-inline'.
START = f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{url: "{DOCUMENT_URL}", dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"}});
}};
"""


def assets_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


class DocsRoutes:
    @route("GET", DOCUMENT_URL, authenticated=False, answers=OpenObject)
    def openapi_document(self, request):
        """The OpenAPI 3.1 document (an open object: it is the schema of everything else)."""
        return document()

    @http("GET", "/docs")
    def docs_page(self, request):
        return Response(PAGE, status=200, mimetype="text/html")

    @http("GET", "/docs/assets/<name>")
    def docs_asset(self, request, name):
        if name == "docs.js":
            return Response(START, status=200, mimetype="text/javascript")
        if name not in ASSETS:
            return json_response(404, {"error": "not_found", "message": "no such file"})
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = Response((assets_dir() / name).read_bytes(), status=200, mimetype=content_type)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response
