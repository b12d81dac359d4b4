"""One racing client, run in its own OS process (stdlib only, so it starts fast)."""

import json
import urllib.error
import urllib.request


def race(url: str, body: dict, barrier, results) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    barrier.wait(timeout=60)  # everyone fires at once
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            results.put((response.status, response.read().decode()))
    except urllib.error.HTTPError as error:
        results.put((error.code, error.read().decode()))
    except Exception as error:  # noqa: BLE001 - reported to the test as a failure
        results.put((0, repr(error)))
