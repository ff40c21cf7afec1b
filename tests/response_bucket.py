"""CloudFormation's side of the custom-resource protocol in tests: its response bucket (a real HTTP
server on 127.0.0.1 behind the real bucket URLs) and the Lambda context. Both handlers' tests use it;
the handlers have no test switch, only the transport below ``urllib.request.urlopen`` is redirected."""

import http.server
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest


class ResponseServer:
    """A real HTTP server on 127.0.0.1 standing in for CloudFormation's response bucket: requests the
    handler makes to the bucket's hosts arrive here; ``requested`` records every URL it asked for."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.requested: list[str] = []
        self.refuse_first = 0
        self.attempts = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                owner.attempts += 1
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if owner.refuse_first > 0:
                    owner.refuse_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                owner.raw = data
                owner.bodies.append(json.loads(data))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.local = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # a short poll: shutdown() waits for the next one (the default 0.5 s, per test, was half of make unit)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def route(self, real_urlopen):
        """``urlopen`` as the handler sees it: the response bucket's hosts lead here; nothing else
        leaves the test (any other URL is recorded and fails as unreachable)."""

        def urlopen(request, *args, **kwargs):
            url = request.full_url if isinstance(request, urllib.request.Request) else request
            self.requested.append(url)
            parts = urllib.parse.urlsplit(url)
            if parts.hostname and parts.hostname.startswith("cloudformation-custom-resource-response-"):
                request.full_url = f"{self.local}{parts.path}?{parts.query}"
                return real_urlopen(request, *args, **kwargs)
            if parts.hostname == "127.0.0.1":
                return real_urlopen(request, *args, **kwargs)
            raise urllib.error.URLError("unreachable in tests")

        return urlopen

    @property
    def last(self) -> dict:
        assert self.bodies, "the handler sent no response"
        return self.bodies[-1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def response_server(monkeypatch):
    server = ResponseServer()
    monkeypatch.setattr(urllib.request, "urlopen", server.route(urllib.request.urlopen))
    yield server
    server.close()


class LambdaContext:
    """The Lambda context: the function's own ARN and the time left."""

    def __init__(self, seconds: float, function_arn: str):
        self.seconds = seconds
        self.invoked_function_arn = function_arn

    def get_remaining_time_in_millis(self):
        return int(self.seconds * 1000)


