"""The incident page: a WSGI app (Werkzeug) rendering Jinja2 templates with autoescape on.

GET only reads. The one change a person can make, a correction, is a POST with a CSRF token; it is
written to `labels` and acknowledged by the broker before the page says it was saved."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, NotFound, ServiceUnavailable
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from classify.serving.labels import HEADS
from luisterpost.review.chart import chart
from luisterpost.review.labels import Correction, check_label, clean_who
from luisterpost.review.links import incident_path
from luisterpost.review.security import AUTH_COOKIE, CSRF_COOKIE, HEADERS, REVIEWER_COOKIE, Keys, safe_url
from luisterpost.review.view import MentionView, ReviewView

log = logging.getLogger(__name__)

WriteCorrection = Callable[[Correction], None]  # raises when the broker did not acknowledge
CountCorrection = Callable[[Correction], None]


@dataclass(frozen=True)
class Settings:
    user_header: str | None = None  # set by a trusted auth proxy in front: who is correcting
    secure_cookies: bool = False  # true behind https


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("luisterpost.review", "templates"), autoescape=True)
    env.filters["safe_url"] = safe_url
    env.filters["incident_path"] = incident_path
    env.globals["heads"] = HEADS
    return env


class ReviewApp:
    def __init__(self, view: ReviewView, keys: Keys, write: WriteCorrection, count: CountCorrection,
                 settings: Settings = Settings(), clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.view, self.keys, self.settings = view, keys, settings
        self._write, self._count, self._clock = write, count, clock
        self._templates = _environment()
        self._routes = Map([Rule("/", endpoint="incidents", methods=["GET"]),
                            Rule("/incidents/<path:key>", endpoint="incident", methods=["GET"]),
                            Rule("/labels", endpoint="correct", methods=["POST"]),
                            Rule("/reviewer", endpoint="reviewer", methods=["POST"]),
                            Rule("/login", endpoint="login", methods=["GET", "POST"])])

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._respond(request)
        for name, value in HEADERS:
            response.headers[name] = value
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        try:
            endpoint, values = self._routes.bind_to_environ(request.environ).match()
            if endpoint != "login" and not self.keys.authorized(request.headers.get("Authorization"),
                                                                request.cookies.get(AUTH_COOKIE)):
                return self._login_page(request, status=401)
            handler: Callable[..., Response] = getattr(self, f"_{endpoint}")
            return handler(request, **values)
        except HTTPException as error:
            return self._render(request, "error.html", {"error": error}, status=error.code or 500)

    def _render(self, request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
        nonce = request.cookies.get(CSRF_COOKIE) or self.keys.new_nonce()
        html = self._templates.get_template(template).render(csrf=self.keys.csrf_token(nonce), **context)
        response = Response(html, status=status, content_type="text/html; charset=utf-8")
        if request.cookies.get(CSRF_COOKIE) != nonce:
            response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="Strict",
                                secure=self.settings.secure_cookies)
        return response

    def _incidents(self, request: Request) -> Response:
        return self._render(request, "incidents.html", {"incidents": self.view.incidents()})

    def _incident(self, request: Request, key: str) -> Response:
        incident = self.view.incident(key)
        if incident is None:
            raise NotFound(f"no incident {key!r} on the incidents topic (yet)")
        timeline = self.view.timeline(incident)
        rows = [(m, self.view.labels.get(m.id, "stance"), self.view.labels.get(m.id, "sentiment"))
                for m in timeline]
        return self._render(request, "incident.html", {
            "incident": incident, "rows": rows, "chart": chart(timeline), "reviewer": self._who(request),
            "parents": {m.id: self.view.mention(m.parent_id) for m in timeline if m.parent_id}})

    def _checked_form(self, request: Request) -> dict[str, str]:
        form = request.form
        if not self.keys.csrf_ok(request.cookies.get(CSRF_COOKIE), form.get("csrf")):
            raise Forbidden("the form is stale or came from another site: reload the page and try again")
        return {key: str(form.get(key, "")) for key in form}

    def _correct(self, request: Request) -> Response:
        form = self._checked_form(request)
        head, _, label = form.get("set", "").partition(":")
        problem = check_label(head, label)
        if problem:
            raise BadRequest(problem)
        mention = self.view.mention(form.get("mention_id", ""))
        if mention is None:
            raise NotFound("that mention is not (or no longer) in mentions.classified")
        correction = self._correction(request, mention, head, label)
        try:
            self._write(correction)
        except Exception as error:  # the broker did not acknowledge: say so, keep nothing
            log.warning("review: correction of %s not written: %s", head, type(error).__name__)
            raise ServiceUnavailable("the correction could not be written to Kafka; try again") from None
        self.view.add_label(correction.to_json())
        self._count(correction)
        incident = form.get("incident", "")
        target = incident_path(incident) if self.view.incident(incident) else "/"
        return redirect(target, code=303)

    def _correction(self, request: Request, mention: MentionView, head: str, label: str) -> Correction:
        return Correction(mention_id=mention.id, head=head, model_label=getattr(mention, head), model=mention.model,
                          label=label, who=self._who(request), at=self._clock(), brand=mention.brand,
                          text=mention.text, parent_text=self.view.parent_text(mention))

    def _who(self, request: Request) -> str:
        if self.settings.user_header and request.headers.get(self.settings.user_header):
            return clean_who(str(request.headers.get(self.settings.user_header)))
        return clean_who(request.cookies.get(REVIEWER_COOKIE, ""))

    def _reviewer(self, request: Request) -> Response:
        form = self._checked_form(request)
        incident = form.get("incident", "")
        response = redirect(incident_path(incident) if self.view.incident(incident) else "/", code=303)
        response.set_cookie(REVIEWER_COOKIE, clean_who(form.get("name", "")), httponly=True, samesite="Strict",
                            secure=self.settings.secure_cookies, max_age=180 * 86400)
        return response

    def _login(self, request: Request) -> Response:
        if request.method == "GET" or self.keys.bearer is None:
            return self._login_page(request)
        self._checked_form(request)
        if not self.keys.token_ok(str(request.form.get("token", ""))):
            return self._login_page(request, status=401, failed=True)
        response = redirect("/", code=303)
        response.set_cookie(AUTH_COOKIE, self.keys.login_cookie(), httponly=True, samesite="Strict",
                            secure=self.settings.secure_cookies)
        return response

    def _login_page(self, request: Request, status: int = 200, failed: bool = False) -> Response:
        return self._render(request, "login.html", {"failed": failed, "needed": self.keys.bearer is not None},
                            status=status)
