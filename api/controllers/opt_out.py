"""/u/{token}: the opt-out link of marketing e-mail (a page with one button, and RFC 8058's
one-click POST). Outside the OpenAPI document: it is for people and mail clients, not apps."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Controller, Response, get, post
from litestar.params import FromPath

from notifications import unsubscribe
from notifications.channels import Channel
from notifications.config import NotifySettings

SETTINGS = NotifySettings.from_env()
_PAGE = Environment(
    loader=FileSystemLoader(Path(unsubscribe.__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
).get_template("opt_out.html")
NAMES = {Channel.EMAIL: ("e-mail", "e-mail"), Channel.SMS: ("SMS", "SMS"), Channel.ZALO: ("Zalo", "Zalo")}


def _page(channel: Channel, *, done: bool) -> Response[str]:
    vi, en = NAMES[channel]
    return Response(_PAGE.render(done=done, channel_vi=vi, channel_en=en), media_type="text/html; charset=utf-8")


class OptOutController(Controller):
    path = "/u"
    include_in_schema = False

    @get("/{token:str}")
    async def ask(self, token: FromPath[str]) -> Response[str]:
        _, channel = unsubscribe.read_token(SETTINGS, token)
        return _page(channel, done=False)

    @post("/{token:str}", status_code=200)
    async def opt_out(self, token: FromPath[str]) -> Response[str]:
        return _page(await unsubscribe.opt_out(SETTINGS, token), done=True)
