"""A minimal HTTP target for the checker benchmarks: 200 with a 12 KB body, then close.

A request for ``/hang`` is accepted and never answered (a target in a broad outage).

A raw asyncio protocol, not a framework, so the target costs as little CPU as
possible next to the checker being measured. Prints its port on stdout.
"""

from __future__ import annotations

import asyncio
import sys

BODY = b"<html><body>" + b"x" * (12 * 1024 - 26) + b"</body></html>"
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.seen = b""

    def data_received(self, data):
        self.seen += data
        if b"\r\n\r\n" in self.seen:
            if self.seen.startswith(b"GET /hang"):
                return  # the connection stays open and silent until the checker gives up
            self.transport.write(ANSWER)
            self.transport.close()


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Answer, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
