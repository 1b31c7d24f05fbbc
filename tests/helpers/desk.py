"""Flows that switch between a phone and a desktop (1400×900) in the browser tier: sign in as a
demo login at any viewport, pick an option of an Element Plus select."""
import re

from playwright.sync_api import expect

DESK = {"width": 1400, "height": 900}


def login(browser, stack, who, viewport):
    ctx = browser.new_context(viewport=viewport, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{stack.web_url}/#/login")
    page.click(f"[data-login='{who}']")
    return page


def choose(page, label_text, option, within=None):
    """Pick an option of an Element Plus select (its popper renders outside the form). `within` is the
    form that holds the select: after a menu click the previous page, with a select of the same label,
    can still be on screen until the new page has loaded."""
    expect(page.locator(".el-select-dropdown:visible")).to_have_count(0)   # the previous one closed
    select = (within or page).locator(".el-select").filter(has=page.get_by_label(label_text, exact=True))
    select.filter(visible=True).first.click()
    item = page.locator(".el-select-dropdown__item:visible", has_text=re.compile(f"^{option}$")).first
    expect(item).to_be_visible()
    # a click while the popper still zooms in can be lost (seen once on a loaded machine: the list
    # stayed open, nothing chosen); a person clicks what has appeared
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    item.click()
    expect(page.locator(".el-select-dropdown:visible")).to_have_count(0)
