"""The reviewers' console in the browser tier (1440×900 desktop): sign in as a demo login, axe-core
on the page, CSS transitions settled before a screenshot, every module's review mark correct."""
from playwright.sync_api import expect

from tests.helpers.paths import AXE

DESK = {"width": 1440, "height": 900}
MARKS = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements", "honours", "attachments")}


def login(browser, stack, who, viewport=DESK):
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.goto(f"{stack.web_url}/#/login")
    page.click(f"[data-login='{who}']")
    expect(page.get_by_role("menuitem", name="工作台")).to_be_visible()
    return page


def axe(page, name):
    """axe-core in the page: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"
    return found


def settle(page):
    """Wait for CSS transitions (dialogs fading in) to finish before a screenshot."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
