"""CI: the installed wheel serves its bundled world from outside the checkout.

Run with the wheel's virtual environment's Python, from a directory that is not
the repository: starts ``qqsim run`` on ephemeral ports, asks ``get_login_info``
over the HTTP API, and stops it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

qqsim = Path(sys.executable).with_name("qqsim")
server = subprocess.Popen(
    [str(qqsim), "run", "--http-port", "0", "--ws-port", "0", "--control-port", "-1", "-q"],
    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
)
try:
    assert server.stdout is not None
    url = None
    for line in server.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found:
            url = found.group(1)
            break
    assert url, f"qqsim did not start: {server.stderr.read() if server.stderr else ''}"
    request = urllib.request.Request(f"{url}/get_login_info", data=b"{}",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    assert body["status"] == "ok" and body["data"]["user_id"] == 10001, body
    print(f"wheel smoke: qqsim from the wheel answered get_login_info: {body['data']}")
finally:
    server.terminate()
    server.wait(timeout=10)
