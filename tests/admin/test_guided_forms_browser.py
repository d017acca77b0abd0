"""The guided segment and campaign forms in a real browser: a segment built from two rows with its
count following them, saved; a campaign for it chosen by name, its message previewed with the cost,
saved and launched; no console error on the way."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from loyalty.campaigns.lifecycle import load_campaign
from loyalty.schema import Campaign, CampaignStatus, Segment
from loyalty.setup.demo import seed_staff
from notifications.tables import Consent
from tests.support.browser import PATIENCE_S, chromium, console_errors, live_server, page_text, screenshot_folder
from tests.support.campaigns import member


def text_of(driver: WebDriver, element_id: str) -> str:
    return str(driver.find_element(By.ID, element_id).text)


def choose(driver: WebDriver, css: str, value: str) -> None:
    Select(driver.find_element(By.CSS_SELECTOR, css)).select_by_value(value)


async def test_a_marketer_builds_a_segment_then_a_campaign_for_it_and_launches_it() -> None:
    await seed_staff()
    lan = await member(name="Chị Lan", city="Huế", gender="female")
    await Consent(member=lan, channel="sms", purpose="marketing", granted=True, text_version="v1").save()
    await member(name="Anh Minh", city="Huế", gender="male")
    await member(name="Cô Hoa", city="Hà Nội", gender="female")
    shots = screenshot_folder()
    with live_server() as base, chromium() as driver:
        wait = WebDriverWait(driver, PATIENCE_S, ignored_exceptions=[StaleElementReferenceException])
        driver.get(base + "/staff/login?next=/staff/segments/new")
        wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys("marketing")  # the demo marketer
        driver.find_element(By.NAME, "password").send_keys("thanthiet-demo")
        console_errors(driver)  # piccolo_api's login page asks Google for a font: not ours
        driver.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], button").click()
        wait.until(lambda d: "Phân khúc mới" in page_text(d))
        wait.until(lambda d: text_of(d, "count") == "3")  # no condition yet: everyone
        driver.find_element(By.NAME, "name").send_keys("Khách nữ ở Huế")
        # Row one: the city, typed.
        choose(driver, "select[name=field_0]", "city")
        choose(driver, "select[name=op_0]", "eq")
        driver.find_element(By.NAME, "value_0").send_keys("Huế")
        wait.until(lambda d: text_of(d, "count") == "2")
        # Row two: the gender, from the select the field's kind gives.
        choose(driver, "select[name=field_1]", "gender")
        wait.until(lambda d: d.find_element(By.NAME, "value_1").tag_name == "select")
        choose(driver, "select[name=op_1]", "eq")
        choose(driver, "select[name=value_1]", "female")
        wait.until(lambda d: text_of(d, "count") == "1")
        assert "Chị Lan" in text_of(driver, "sample")
        driver.save_screenshot(str(shots / "staff-segment-builder.png"))
        assert console_errors(driver) == []
        driver.find_element(By.ID, "save").click()
        wait.until(lambda d: "Đã lưu phân khúc" in page_text(d))
        segment = await Segment.select(Segment.id).where(Segment.name == "Khách nữ ở Huế").first()
        assert segment is not None

        driver.get(base + "/staff/campaigns/new")
        wait.until(ec.presence_of_element_located((By.ID, "campaign-form")))
        assert driver.find_element(By.NAME, "run_at").is_displayed()
        assert not driver.find_element(By.NAME, "days_before").is_displayed()
        choose(driver, "#schedule", "birthday")
        assert driver.find_element(By.NAME, "days_before").is_displayed()
        assert not driver.find_element(By.NAME, "run_at").is_displayed()
        choose(driver, "#schedule", "once")
        driver.execute_script(
            "const i = document.querySelector('[name=run_at]'); i.value = '2027-02-01T09:00';"
            "i.dispatchEvent(new Event('input', {bubbles: true}));"
        )
        driver.find_element(By.ID, "name").send_keys("Quà cho khách Huế")
        choose(driver, "#audience", "segment")
        picker = driver.find_element(By.ID, "segment_name")
        picker.send_keys("nữ ở")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-field=segment] .picker-choice"))
        driver.find_element(By.CSS_SELECTOR, "[data-field=segment] .picker-choice").click()
        assert driver.find_element(By.NAME, "segment").get_attribute("value") == str(segment["id"])
        driver.find_element(By.CSS_SELECTOR, "input[name=channels][value=sms]").click()
        wait.until(lambda d: text_of(d, "audience-count") == "1")
        wait.until(lambda d: "Chị Lan" in text_of(d, "preview-body-vi"))
        assert "SMS" in text_of(driver, "sms-vi") and "1 phần" in text_of(driver, "sms-vi")
        wait.until(lambda d: "800 đ" in text_of(d, "cost-total"))
        assert "SMS: 1" in text_of(driver, "cost-lines")
        driver.execute_script("document.getElementById('preview').scrollIntoView()")
        driver.save_screenshot(str(shots / "staff-campaign-form.png"))
        assert console_errors(driver) == []
        driver.find_element(By.ID, "save").click()
        wait.until(lambda d: "Đã lưu bản nháp" in page_text(d))
        row = await Campaign.select(Campaign.id).where(Campaign.name == "Quà cho khách Huế").first()
        assert row is not None
        stored = await load_campaign(row["id"])
        assert stored.segment == segment["id"] and stored.channels == "push,sms"
        driver.find_element(By.ID, "launch").click()
        wait.until(lambda d: "Đã khởi chạy" in page_text(d))
        assert text_of(driver, "status") == "Đã lên lịch (scheduled)"
        assert (await load_campaign(row["id"])).status == CampaignStatus.SCHEDULED
        driver.save_screenshot(str(shots / "staff-campaign-launched.png"))
        assert console_errors(driver) == []
