"""Each page's own look: logo, favicon, accent colour, header links, footer text, custom CSS."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from aviso.api.models import ApiToken
from aviso.lib import branding
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.status import lifecycle
from aviso.status.models import AuditEntry
from aviso.testing import SYSTEM, make_component, make_page, make_person

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


class TestChecks:
    def test_an_accent_must_be_readable_on_white(self):
        assert branding.clean_accent("#0B57D0") == "#0b57d0"
        with pytest.raises(ValueError, match="contrast of 1.1:1"):
            branding.clean_accent("#ffff00")
        with pytest.raises(ValueError, match="#rrggbb"):
            branding.clean_accent("blue")

    @pytest.mark.parametrize(
        "css",
        [
            "@import url(https://evil.example/x.css);",
            '@IMPORT "x.css";',
            "body { background: url(https://evil.example/t.png) }",
            "body { background: url('//evil.example/t.png') }",
            "body { background: image-set('https://evil.example/a.png' 1x) }",
            "body { background: u\\72l(x) }",
            "</style><script>alert(1)</script>",
        ],
    )
    def test_custom_css_cannot_load_from_another_host(self, css):
        with pytest.raises(ValueError):
            branding.clean_css(css)

    def test_custom_css_may_use_its_own_files_and_data_images(self):
        css = (
            "/* brand */ .banner { border-radius: 0; background: url(data:image/png;base64,AA==) }"
        )
        assert branding.clean_css(css).startswith(".banner")
        assert branding.clean_css("h1 { background: url(/brand/logo) }")

    def test_only_raster_images_are_taken(self):
        assert branding.image_kind(PNG) == ("png", "image/png")
        with pytest.raises(ValueError, match="PNG, JPEG, WebP or ICO"):
            branding.image_kind(b"<svg onload='alert(1)'></svg>")


@pytest.mark.django_db
class TestBrandedPage:
    @pytest.fixture
    def pages(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path / "media")
        settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")
        plain = make_page("Plain")
        make_component(plain, "API")
        branded = make_page("Branded", slug="branded", position=1)
        make_component(branded, "Checkout")
        lifecycle.update_page(
            branded,
            actor=SYSTEM,
            accent_color="#7a1fa2",
            header_links=[{"label": "Help centre", "url": "https://help.example.test/"}],
            footer_text="Acme Ltd · 1 Example Street",
            custom_css=".banner { border-radius: 0 }",
        )
        lifecycle.set_page_image(branded, "logo", PNG, actor=SYSTEM)
        lifecycle.set_page_image(branded, "favicon", PNG, actor=SYSTEM)
        return plain, branded

    def test_a_branded_page_shows_its_brand_and_the_first_keeps_the_default_look(
        self, pages, client
    ):
        plain = client.get("/").content.decode()
        assert "brand.css" not in plain and 'class="logo"' not in plain
        html = client.get("/p/branded/").content.decode()
        assert '<link rel="stylesheet" href="brand.css">' in html
        assert '<link rel="icon" href="brand/favicon">' in html
        assert '<img class="logo" src="brand/logo" alt="Branded">' in html
        assert '<a href="https://help.example.test/">Help centre</a>' in html
        assert "Acme Ltd · 1 Example Street" in html
        css = client.get("/p/branded/brand.css").content.decode()
        assert "--link: #7a1fa2" in css and ".banner { border-radius: 0 }" in css
        logo = client.get("/p/branded/brand/logo")
        assert logo["Content-Type"] == "image/png" and logo.content == PNG
        assert AuditEntry.objects.filter(action="page.logo").exists()

    def test_the_brand_files_are_snapshotted_with_the_page(self, pages):
        render_snapshots()
        entries = SnapshotStore().read_manifest().entries
        assert {"/p/branded/brand.css", "/p/branded/brand/logo", "/p/branded/brand/favicon"} <= set(
            entries
        )
        assert "/brand.css" not in entries

    def test_the_api_refuses_a_bad_brand_with_a_field_message(self, pages):
        token = ApiToken.issue(make_person("ops", "admin"), name="bot", scope="admin")[1]
        api = Client(headers={"Authorization": f"Bearer {token}"})
        response = api.patch(
            "/api/v1/pages/branded",
            json.dumps({"accent_color": "#eeeeee", "custom_css": "a{}"}),
            content_type="application/json",
        )
        assert response.status_code == 422
        assert "accent_color" in json.loads(response.content)["errors"]
        bad = api.post("/api/v1/pages/branded/logo", {"file": _upload(b"GIF89a...")})
        assert bad.status_code == 422
        good = api.post("/api/v1/pages/branded/logo", {"file": _upload(PNG)})
        assert good.status_code == 200 and json.loads(good.content)["has_logo"] is True


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("logo.png", data, content_type="image/png")
