"""The staff site in Vietnamese first: Piccolo Admin's own words."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import piccolo_admin
from piccolo_admin.translations.data import ENGLISH

from admin.translation_vi import VIETNAMESE

BUNDLE = Path(piccolo_admin.__file__).parent / "dist" / "assets"


def test_every_english_word_of_the_admin_has_its_vietnamese() -> None:
    assert set(VIETNAMESE.translations) == set(ENGLISH.translations)
    untranslated = [key for key, value in VIETNAMESE.translations.items() if not value.strip() or value == key]
    assert not untranslated


def test_the_translation_covers_every_word_the_admin_page_asks_for() -> None:
    # The page looks its words up with $t("…"); a newer Piccolo Admin may ask for more.
    asked = {m for js in BUNDLE.glob("*.js") for m in re.findall(r'\$t\("([^"]+)"\)', js.read_text())}
    assert asked, "the admin's script no longer looks like this test expects"
    assert asked <= set(VIETNAMESE.translations)


async def test_vietnamese_is_the_default_and_english_can_be_chosen(client: httpx.AsyncClient) -> None:
    offered = await client.get("/admin/public/translations/")
    assert offered.status_code == 200, offered.text
    assert offered.json()["default_language_code"] == "vi"
    assert [t["language_code"] for t in offered.json()["translations"]] == ["vi", "en"]
    vietnamese = (await client.get("/admin/public/translations/vi/")).json()
    assert vietnamese["language_name"] == "Tiếng Việt"
    assert vietnamese["translations"]["Save"] == "Lưu" and vietnamese["translations"]["Log Out"] == "Đăng xuất"
    english = (await client.get("/admin/public/translations/en/")).json()
    assert english["translations"]["Save"] == "Save"
