"""Browser tests: the fixtures live in tests/browser.py (a suite-wide plugin); these names are shared."""

from tests.browser import CHROMIUM_FLAGS, SCREENSHOT_DIR, VIEWPORTS  # noqa: F401
