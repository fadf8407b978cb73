"""The Mini App in a real browser (Debian's Chromium driven by Playwright), against the real
bot and its API: a stub of window.Telegram.WebApp supplies signed initData and theme colours,
as Telegram's own script does inside Telegram. Screenshots go to test-artifacts/webapp/."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from fakebotapi import FakeBotAPI
from fakebotapi.objects import FakeUser
from storage.models import Card
from tests.reminder_fixtures import add_card
from tests.webapp_fixtures import WebApp, serving_webapp, telegram_user

playwright = pytest.importorskip("playwright.async_api")

expect = playwright.expect
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "webapp"

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
GROUP = -100888
# A dark Telegram theme, so the screenshots show that the page follows themeParams.
THEME = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499",
         "link_color": "#6ab3f3", "button_color": "#5288c1", "button_text_color": "#ffffff",
         "secondary_bg_color": "#232e3c", "destructive_text_color": "#ec3942"}


@pytest.fixture
async def webapp(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[WebApp]:
    async with serving_webapp(api, sqlite_url, NOW) as app:
        yield app


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if CHROMIUM is None:  # CI must run these (.ci/run installs Chromium), a laptop may not
        missing = "no Chromium: apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    async with playwright.async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def open_app(browser: Any, webapp: WebApp, user: FakeUser, *, width: int = 360,
                   init_data: str | None = None, start_param: str | None = None) -> Any:
    """A page opened as Telegram opens the app: Telegram.WebApp is there before our script."""
    context = await browser.new_context(viewport={"width": width, "height": 760},
                                        device_scale_factor=1)
    unsafe: dict[str, Any] = {"user": telegram_user(user)}
    if start_param:
        unsafe["start_param"] = start_param
    stub = {"initData": init_data if init_data is not None else webapp.init_data(user),
            "initDataUnsafe": unsafe, "themeParams": THEME}
    await context.add_init_script(
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(stub)}, "
        "{ready() {}, expand() {}})};"
    )
    # Telegram's script is not reachable here; the stub stands in for what it sets up.
    await context.route("https://telegram.org/**", lambda route: route.fulfill(
        body="", content_type="text/javascript"))
    context.set_default_timeout(5_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Script errors only: the API's 4xx answers to bad input are logged as failed loads.
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.errors = errors
    await page.goto(webapp.url)
    return page


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _user(api: FakeBotAPI, user_id: int = 5001, lang: str = "en") -> FakeUser:
    return api.user(user_id, "Ann", language_code="zh-hans" if lang == "zh" else "en")


async def _seed(webapp: WebApp, chat_id: int, expires_on: date, **fields: Any) -> Card:
    bot = webapp.bot
    return await add_card(bot.database, bot.settings, bot.clock, chat_id, expires_on, **fields)


async def _seed_three(webapp: WebApp, chat_id: int, lang: str = "en") -> None:
    await _seed(webapp, chat_id, date(2026, 5, 1), label="Home broadband", carrier="china_unicom",
                plan="1000M", price=9900, currency="CNY", cycle="monthly", language=lang)
    await _seed(webapp, chat_id, date(2026, 3, 12), label="Work SIM", language=lang)
    await _seed(webapp, chat_id, date(2026, 3, 1), label="Globe prepaid", carrier="globe",
                language=lang)


async def _labels(page: Any) -> list[str]:
    return [text.split(" · ")[0].split(" ···")[0]
            for text in await page.locator("li.card .name").all_inner_texts()]


async def test_the_list_shows_the_users_cards_by_expiry(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    ann = _user(api)
    await _seed_three(webapp, ann.id)
    await _seed(webapp, 5999, date(2026, 3, 11), label="Someone else's")
    for width in (360, 1024):
        page = await open_app(browser, webapp, ann, width=width)
        await page.locator("li.card").first.wait_for()
        assert await _labels(page) == ["Globe prepaid", "Work SIM", "Home broadband"]
        classes = [await li.get_attribute("class") for li in await page.locator("li.card").all()]
        assert classes == ["card expired", "card soon", "card fine"]
        assert await page.locator("h1").inner_text() == "Your cards"
        await shot(page, f"list-en-{width}")
        if width == 360:  # nothing sticks out of a phone's screen
            assert await page.evaluate("document.documentElement.scrollWidth") <= 360
            await page.fill("input[type=search]", "sim")
            assert await _labels(page) == ["Work SIM"]
            await page.fill("input[type=search]", "")
            await page.select_option("select", "globe")
            assert await _labels(page) == ["Globe prepaid"]
        assert page.errors == []


async def test_a_card_added_in_the_page_is_in_the_chat_and_scheduled(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    ann = _user(api)
    page = await open_app(browser, webapp, ann)
    await page.get_by_text("➕ Add a card").click()
    await page.fill("#f-label", "Travel eSIM")
    await page.fill("#f-carrier", "Smart")
    await page.select_option("#f-kind", "esim")
    await page.fill("#f-price", "lots")
    await page.fill("#f-expiry", "2026-04-31")
    await page.get_by_text("✅ Save").click()
    await expect(page.locator("#e-price")).to_have_text(
        "Please write the price like 30, ¥30, ₱99, HK$50 or US$5.")
    await expect(page.locator("#e-expiry")).to_contain_text("April 2026 has only 30 days")
    await shot(page, "add-errors-en-360")
    async with webapp.bot.database.session(readonly=True) as session:
        assert list(await session.exec(select(Card))) == []
    await page.fill("#f-price", "₱99")
    await page.fill("#f-expiry", "")
    await page.locator('input[type="date"]').fill("2026-04-30")  # the date picker
    await page.get_by_text("✅ Save").click()
    await page.get_by_text("✅ Saved.").wait_for()
    assert await _labels(page) == ["Travel eSIM"]
    async with webapp.bot.database.session(readonly=True) as session:
        [card] = list(await session.exec(select(Card)))
    assert (card.chat_id, card.expires_on, card.price, card.kind) == (
        ann.id, date(2026, 4, 30), 9900, "esim")
    assert card.next_remind_at == datetime(2026, 4, 23, 1, 0, tzinfo=UTC)  # 7 days before, 09:00
    reply = await webapp.bot.say(ann, "/cards")
    assert "Travel eSIM" in reply.plain_text
    assert page.errors == []


async def test_edit_and_renew_in_the_page_and_a_change_in_chat_shows_after_reload(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    ann = _user(api)
    await _seed_three(webapp, ann.id)
    page = await open_app(browser, webapp, ann)
    work = page.locator("li.card", has_text="Work SIM")
    await work.get_by_text("✏️ Edit").click()
    await page.fill("#f-label", "Work SIM (old)")
    await shot(page, "edit-en-360")
    await page.get_by_text("✅ Save").click()
    await page.get_by_text("✅ Saved.").wait_for()
    home = page.locator("li.card", has_text="Home broadband")
    await home.get_by_text("✅ Renewed").click()
    await page.fill("#r-amount", "¥99")
    await page.select_option("#r-channel", "alipay")
    await shot(page, "renew-en-360")
    await page.get_by_text("Renew to 2026-06-01").click()
    await page.get_by_text("✅ Saved.").wait_for()
    await expect(home.locator(".due")).to_have_text("2026-06-01 (in 83 days)")
    await home.get_by_text("📜 History").click()
    await expect(page.locator("ul.history li")).to_have_text(
        ["2026-03-10: 2026-05-01 → 2026-06-01 · ¥99.00 · Alipay"])
    await expect(page.locator(".total")).to_have_text("Paid in total: ¥99.00")
    await shot(page, "history-en-360")
    await page.get_by_text("↩️ Back").click()
    async with webapp.bot.database.session(readonly=True) as session:
        cards = {c.label: c for c in await session.exec(select(Card))}
    assert cards["Home broadband"].expires_on == date(2026, 6, 1)
    assert "Work SIM (old)" in cards
    # The chat changes a card; the page shows it when opened again.
    await webapp.bot.say(ann, f"/renewed {cards['Globe prepaid'].id}")
    await webapp.bot.say(ann, "2026-09-09")  # the new expiry, typed: saved at once
    await page.reload()
    await page.locator("li.card").first.wait_for()
    assert await _labels(page) == ["Work SIM (old)", "Home broadband", "Globe prepaid"]
    # Delete, as /delcard: asked first, then gone with its history.
    await page.locator("li.card", has_text="Globe prepaid").get_by_text("✏️ Edit").click()
    await page.get_by_text("🗑 Delete").click()
    await expect(page.locator(".question")).to_contain_text("renewal history (1 recorded)")
    await page.get_by_text("🗑 Yes, delete it").click()
    await expect(page.locator(".notice")).to_have_text("🗑 Deleted Globe prepaid · Globe.")
    assert await _labels(page) == ["Work SIM (old)", "Home broadband"]
    assert page.errors == []


async def test_a_chinese_user_sees_chinese(webapp: WebApp, api: FakeBotAPI, browser: Any) -> None:
    li = _user(api, 5002, "zh")
    await _seed_three(webapp, li.id, lang="zh")
    for width in (360, 1024):
        page = await open_app(browser, webapp, li, width=width)
        await page.locator("li.card").first.wait_for()
        assert await page.locator("h1").inner_text() == "你的卡片"
        assert await page.locator("html").get_attribute("lang") == "zh"
        assert "已过期" in await page.locator("li.card").first.inner_text()
        await shot(page, f"list-zh-{width}")
        await page.get_by_text("➕ 添加卡").click()
        await page.locator("#f-label").wait_for()
        await shot(page, f"add-zh-{width}")


async def test_a_group_member_reads_and_cannot_edit(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    admin, member = _user(api), _user(api, 5003)
    group = api.group(GROUP, "Family")
    api.set_admins(group, [admin.id])
    api.set_member(group, member)
    await _seed(webapp, GROUP, date(2026, 4, 1), chat_type="supergroup", label="Family SIM")
    page = await open_app(browser, webapp, member, start_param=f"g{GROUP}")
    await page.locator("li.card").first.wait_for()
    assert await page.locator("h1").inner_text() == "This group's cards"
    assert await page.get_by_text("Only the group's admins can change this.").count() == 1
    assert await page.locator('[data-action="edit"], [data-action="renew"], .add').count() == 0
    await page.get_by_text("📜 History").click()  # reading is for members too
    await expect(page.locator(".hint")).to_have_text(
        "No renewals recorded yet. Press ✅ Renewed when you renew it.")
    page = await open_app(browser, webapp, admin, start_param=f"g{GROUP}")
    await page.locator("li.card").first.wait_for()
    assert await page.get_by_text("✏️ Edit").count() == 1


async def test_forged_or_missing_initdata_gets_a_clear_message(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    ann = _user(api)
    await _seed_three(webapp, ann.id)
    max_age = webapp.bot.settings.webapp_initdata_max_age
    stale = webapp.init_data(ann, age=timedelta(seconds=max_age + 1))
    for init_data in (webapp.init_data(ann, token="1:forged"), stale, ""):
        page = await open_app(browser, webapp, ann, init_data=init_data)
        message = page.locator(".fatal")
        await message.wait_for()
        assert "only works when opened from the bot in Telegram" in await message.inner_text()
        assert await page.locator("li.card").count() == 0
    await shot(page, "unauthorised-en-360")


async def test_settings_change_the_language_and_the_remind_time(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    ann = _user(api)
    await _seed_three(webapp, ann.id)
    page = await open_app(browser, webapp, ann)
    await page.get_by_text("⚙️ Settings").click()
    await page.fill("#s-tz", "Atlantis")
    await page.get_by_text("✅ Save").click()
    await expect(page.locator("#se-tz")).to_contain_text("I don't know that time zone")
    await page.fill("#s-tz", "Asia/Shanghai")
    await page.fill("#s-at", "20:30")
    await page.select_option("#s-lang", "zh")
    await shot(page, "settings-en-360")
    await page.get_by_text("✅ Save").click()
    await expect(page.locator("h1")).to_have_text("你的卡片")
    await expect(page.locator(".notice")).to_have_text("✅ 已保存。\n已更新 3 张卡的提醒时间。")
    async with webapp.bot.database.session(readonly=True) as session:
        cards = list(await session.exec(select(Card).where(Card.chat_id == ann.id)))
    assert {card.next_remind_at.astimezone(UTC).time().isoformat() for card in cards
            if card.next_remind_at} == {"12:30:00"}  # 20:30 in Shanghai
    assert page.errors == []


async def test_the_month_calendar_marks_expiries_and_reminders(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    for user, lang in ((_user(api), "en"), (_user(api, 5004, "zh"), "zh")):
        await _seed_three(webapp, user.id, lang=lang)
        page = await open_app(browser, webapp, user)
        await page.get_by_text("📅").click()
        await expect(page.locator("h1")).to_have_text("March 2026" if lang == "en" else
                                                       "2026年3月")
        assert await page.get_attribute('[data-day="2026-03-12"]', "class") == "day expires soon"
        assert await page.get_attribute('[data-day="2026-03-01"]', "class") == "day expires expired"
        assert await page.get_attribute('[data-day="2026-03-10"]', "class") == "day today"
        # Reminded 7, 3, 1 and 0 days before and 3 days after: Globe prepaid (03-01) on
        # 03-01 to 03-04, Work SIM (03-12) on 03-05, 03-09, 03-11 and 03-12 to 03-15.
        reminded = await page.locator(".day:has(small)").evaluate_all(
            "cells => cells.map(c => c.dataset.day.slice(8))")
        assert reminded == ["01", "02", "03", "04", "05", "09", "11", "12", "13", "14", "15"]
        await page.click('[data-day="2026-03-12"]')
        await expect(page.locator(".day-detail")).to_contain_text("Work SIM")
        await shot(page, f"calendar-{lang}-360")
        await page.get_by_role("button", name="▶").click()
        await expect(page.locator("h1")).to_have_text("April 2026" if lang == "en" else
                                                       "2026年4月")
        assert page.errors == []


async def test_statistics_show_the_stats_chart_and_summary(
    webapp: WebApp, api: FakeBotAPI, browser: Any
) -> None:
    li = _user(api, 5005, "zh")
    await _seed_three(webapp, li.id, lang="zh")
    page = await open_app(browser, webapp, li)
    await page.get_by_text("📊 统计").click()
    chart = page.locator("img.chart")
    await chart.wait_for()
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 300")
    await expect(page.locator(".summary")).to_contain_text("“Work SIM”")
    await shot(page, "stats-zh-360")
    assert page.errors == []
