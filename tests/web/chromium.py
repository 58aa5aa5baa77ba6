"""Headless Chromium driven through chromedriver (Debian's chromium, chromium-driver and
python3-selenium), set up the same way for the browser test and for the web client's
screenshot: a fresh profile in a directory of its own, nothing fetched in the background, a
fixed viewport; stopped by its driver, and its chromedriver by PID if that did not end.
"""

import os
import shutil
import signal
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage"]


class Browser:
    """One Chromium with its own profile; `driver` is the Selenium WebDriver."""

    def __init__(self, width=1200, height=750, name="browser"):
        self.name = name
        self.profile = tempfile.mkdtemp(prefix="parley-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS + [f"--user-data-dir={self.profile}",
                             f"--window-size={width},{height}"]:
            options.add_argument(flag)
        # The page's console, for the report when a test fails.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.service = Service(CHROMEDRIVER)
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        # The window's size includes what headless Chromium keeps of its frame: set the
        # viewport itself, so that pages are laid out (and screenshots taken) at width x height.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def console(self):
        """The page's console messages since the last call (errors, warnings, logs)."""
        try:
            return [f"{e.get('level')} {e.get('message')}" for e in self.driver.get_log("browser")]
        except Exception as e:
            return [f"(console not available: {e})"]

    def quit(self):
        process = getattr(self.service, "process", None)
        try:
            self.driver.quit()
        except Exception:
            pass
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
