"""Staff forms for stores and tills."""

from __future__ import annotations

from piccolo_admin.endpoints import FormConfig
from pydantic import Field
from starlette.requests import Request

from admin.forms import StaffForm, shows_domain_errors, staff_actor
from loyalty import members


class NewTill(StaffForm):
    store_code: str = Field(min_length=1, max_length=16, description="Code of the store, e.g. Q1")
    name: str = Field(min_length=1, max_length=100, description="A name staff recognise, e.g. Till 2")


class RevokeTill(StaffForm):
    terminal_id: int = Field(gt=0, description="Id of the till (see the Terminal list)")
    reason: str = Field(min_length=3, max_length=500)


@shows_domain_errors
async def add_till(request: Request, data: NewTill) -> str:
    created = await members.create_terminal(data.store_code, data.name, actor=staff_actor(request))
    return f"Till {created.terminal_id} added to {created.store_code}. Its key, shown only now: {created.key}"


@shows_domain_errors
async def revoke_till(request: Request, data: RevokeTill) -> str:
    if not await members.revoke_terminal(data.terminal_id, actor=staff_actor(request), reason=data.reason):
        return f"Till {data.terminal_id} was revoked already."
    return f"Till {data.terminal_id} revoked: its key no longer works."


FORMS = [
    FormConfig(
        name="Add a till",
        pydantic_model=NewTill,
        endpoint=add_till,
        description="Creates a till key, shown once.",
        form_group="Stores",
    ),
    FormConfig(
        name="Revoke a till",
        pydantic_model=RevokeTill,
        endpoint=revoke_till,
        description="Its key stops working at once.",
        form_group="Stores",
    ),
]
