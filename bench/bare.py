"""The floor: a WSGI app that answers every request with fixed bytes read once at start, chosen by
the path among the files of BENCH_BARE_DIR (`/list` serves the file `list`, with the headers in
`list.headers`, one `Name: value` a line; the query string is not looked at). No framework, no
lookup, no work.

    BENCH_BARE_DIR=dir gunicorn -w 2 bench.bare:application
"""

import os
from pathlib import Path

_ANSWERS = {}
for _file in Path(os.environ["BENCH_BARE_DIR"]).iterdir():
    if _file.suffix != ".headers":
        _headers_file = _file.with_name(_file.name + ".headers")
        _headers = _headers_file.read_text().splitlines() if _headers_file.exists() else []
        _body = _file.read_bytes()
        _ANSWERS["/" + _file.name] = (
            [tuple(line.split(": ", 1)) for line in _headers] + [("Content-Length", str(len(_body)))],
            [_body],
        )


def application(environ, start_response):
    headers, body = _ANSWERS[environ["PATH_INFO"]]
    start_response("200 OK", headers)
    return body
