"""Headless Chromium that talks to no one, for scripts/render_example_page.py and the rendering test.

Anything that still tried the network would hit a closed local port; loopback is never proxied.
"""

ISOLATED = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
)
