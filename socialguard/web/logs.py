"""Server logs without personal data.

A log line is read by whoever runs the server, and kept for as long as the host keeps logs, so it
says *where* something went wrong, never *about whom*:

- a request is named by its request id (the X-Request-ID header, also on its audit events) and
  its URL name, never by its path or query string, which can hold a case reference, an external
  id or a search for a pupil's name;
- an exception keeps its type and its traceback's frames (file, line, function) and loses its
  message, which can quote a name, an email address (SMTP errors list the recipients) or form
  data, and its source lines; no local variables are ever written;
- an email address anywhere else in a message is replaced.
"""

import logging
import re
import traceback
from contextvars import ContextVar

_current_request: ContextVar = ContextVar("socialguard_log_request", default=None)  # noqa: B039 (reset after each request)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# Loggers whose arguments name a person: django-axes's lockout lines carry the username and
# address tried (masked by its default settings, withheld here whatever they are).
ARGUMENTS_WITHHELD = ("axes",)


class LogContextMiddleware:
    """Lets log lines written during a request (from any logger) name it by id and URL name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _request_of(record):
    request = getattr(record, "request", None)
    # django.server passes its socket as `request`: only an HttpRequest has a path.
    if request is None or not hasattr(request, "path"):
        request = _current_request.get()
    return request


def _url_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        return "unknown-url"
    return match.view_name


def _without_paths(message: str, request) -> str:
    placeholder = f"[{_url_name(request)}]"
    for text in (request.get_full_path(), request.path, getattr(request, "path_info", "")):
        if text and text != "/":
            message = message.replace(text, placeholder)
    query = request.META.get("QUERY_STRING", "")
    if query:
        message = message.replace(query, "[query]")
    return message


def _traceback_lines(exc: BaseException) -> list[str]:
    frames = traceback.TracebackException(type(exc), exc, exc.__traceback__, capture_locals=False)
    return list(_chain(frames, set()))


def _chain(frames: traceback.TracebackException, seen: set):
    seen.add(id(frames))
    if frames.__cause__ is not None and id(frames.__cause__) not in seen:
        yield from _chain(frames.__cause__, seen)
        yield "\nThe above exception was the direct cause of the following exception:\n\n"
    elif (
        frames.__context__ is not None
        and not frames.__suppress_context__
        and id(frames.__context__) not in seen
    ):
        yield from _chain(frames.__context__, seen)
        yield "\nDuring handling of the above exception, another exception occurred:\n\n"
    yield "Traceback (most recent call last):\n"
    for frame in frames.stack:
        yield f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
    kind = frames.exc_type
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    yield f"{name} (message not logged: it may hold personal data)\n"


def _message(record: logging.LogRecord) -> str:
    if record.args and record.name.split(".")[0] in ARGUMENTS_WITHHELD:
        try:
            return str(record.msg) % tuple("[withheld]" for _ in tuple(record.args))
        except (TypeError, ValueError):
            return str(record.msg)
    return record.getMessage()


class PrivateFormatter(logging.Formatter):
    """`time LEVEL logger message request=… url=…`, then the traceback's frames and type only."""

    def format(self, record: logging.LogRecord) -> str:
        message = _message(record)
        request = _request_of(record)
        if request is not None:
            message = _without_paths(message, request)
        message = EMAIL.sub("[email address]", message)
        line = f"{self.formatTime(record, self.datefmt)} {record.levelname} {record.name} {message}"
        if request is not None:
            line += f" request={getattr(request, 'request_id', '-')} url={_url_name(request)}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + "".join(_traceback_lines(record.exc_info[1])).rstrip("\n")
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line
