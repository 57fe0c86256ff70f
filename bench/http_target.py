"""A minimal HTTP target for the checker benchmarks: 200 with a 12 KB body, then close.

A request for ``/hang`` is accepted and never answered (a target in a broad outage);
``/slow?ms=N`` is answered after N milliseconds; ``/fail`` gets a 500.
``--tls CERT KEY`` also listens with TLS (that certificate) on a second port.

A raw asyncio protocol, not a framework, so the target costs as little CPU as
possible next to the checker being measured. Prints its port (then the TLS port)
on stdout, one line.
"""

from __future__ import annotations

import asyncio
import ssl
import sys

BODY = b"<html><body>" + b"x" * (12 * 1024 - 26) + b"</body></html>"


def answer(status: bytes, body: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


ANSWER = answer(b"200 OK", BODY)
FAILED = answer(b"500 Internal Server Error", b"failing on purpose")


class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.seen = b""

    def data_received(self, data):
        self.seen += data
        if b"\r\n\r\n" not in self.seen:
            return
        if self.seen.startswith(b"GET /hang"):
            return  # the connection stays open and silent until the checker gives up
        if self.seen.startswith(b"GET /fail"):
            self._send(FAILED)
        elif self.seen.startswith(b"GET /slow?ms="):
            delay = int(self.seen[13:].split(b" ", 1)[0]) / 1000
            asyncio.get_running_loop().call_later(delay, self._send, ANSWER)
        else:
            self._send(ANSWER)

    def _send(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)
            self.transport.close()


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Answer, "127.0.0.1", 0, backlog=4096)
    ports = [server.sockets[0].getsockname()[1]]
    if "--tls" in sys.argv:
        cert, key = sys.argv[sys.argv.index("--tls") + 1 : sys.argv.index("--tls") + 3]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        secure = await loop.create_server(Answer, "127.0.0.1", 0, backlog=4096, ssl=context)
        ports.append(secure.sockets[0].getsockname()[1])
    print(" ".join(map(str, ports)), flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
