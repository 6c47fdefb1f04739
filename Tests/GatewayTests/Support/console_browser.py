"""Drives the gateway's web console in headless Chromium (Debian's chromium and
chromium-driver) with Selenium: signs in, opens each page, disables a user, streams a
playground reply, and saves a screenshot of each step.

usage: console_browser.py BASE_URL ADMIN_EMAIL PASSWORD VICTIM_EMAIL SCREENSHOT_DIR
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

base, email, password, victim, shots = sys.argv[1:6]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
             "--no-first-run", "--disable-gpu", "--disable-extensions"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 20)


def heading():
    return driver.find_element(By.TAG_NAME, "h1").text


def shot(name):
    driver.save_screenshot(os.path.join(shots, name + ".png"))


def check(condition, what):
    if not condition:
        shot("failure")
        raise SystemExit("console: " + what)


try:
    # Signed out, the console sends us to its sign-in page.
    driver.get(base + "/console")
    check(heading() == "Sign in", "not sent to sign in: " + driver.current_url)
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.signin button").click()
    wait.until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Overview"))
    check(len(driver.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 4, "four charts on the overview")
    shot("overview")

    for path, title in (("/console/keys", "Keys"), ("/console/bots", "Bots"), ("/console/events", "Security events")):
        driver.get(base + path)
        check(heading() == title, "page " + path + " shows " + heading())
        shot(path.rsplit("/", 1)[-1])

    # Disable a user from the users page.
    driver.get(base + "/console/users?search=" + victim)
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    check(len(rows) == 1 and victim in rows[0].text, "the user is listed")
    rows[0].find_element(By.XPATH, ".//button[text()='Disable']").click()
    wait.until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Users"))
    driver.get(base + "/console/users?search=" + victim)
    check("disabled" in driver.find_element(By.CSS_SELECTOR, "tbody tr").text, "the user is disabled")
    shot("users")

    # Stream a reply in the playground (the echo bot answers with the message).
    driver.get(base + "/console/playground")
    driver.find_element(By.NAME, "message").send_keys("hello from the browser")
    driver.find_element(By.CSS_SELECTOR, "form.playground button").click()
    wait.until(ready.text_to_be_present_in_element((By.ID, "status"), "Done"))
    check(driver.find_element(By.ID, "reply").text == "hello from the browser", "the streamed reply")
    shot("playground")

    # The strict CSP held: nothing was blocked, no script failed.
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    check(not problems, "browser console: " + "; ".join(problems))

    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait.until(ready.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Sign in"))
    driver.get(base + "/console/users")
    check(heading() == "Sign in", "signed out")
    print("console: ok (screenshots in " + shots + ")")
finally:
    driver.quit()
