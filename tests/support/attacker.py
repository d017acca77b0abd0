"""An attacker's battery: bad inputs for every route of the OpenAPI document, built from the document.

Each route gets bad path segments, bad queries, bad bodies (whole bodies and one bad field at a
time, nested items too) and bad headers, sent with the credential the route asks for. The
answers are collected, and the test asserts none is a 5xx and every 4xx is a problem.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from piccolo.conf.apps import Finder

from tests.conftest import member_token

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

BAD_VALUES: list[Any] = [
    "\u0000",
    "a\u0000b",
    "bell\u0007",
    "line\nbreak",
    "x" * 20_000,
    "",
    2**63,
    -(2**63) - 1,
    10**30,
    2**31,
    -1,
    0,
    "250000",
    250000.0,
    1e5,
    True,
    None,
    [],
    {},
    {"deep": [[[1]]]},
]
WHOLE_BODIES: list[bytes] = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"{",
    b"\xff\xfe{}",
    b'{"code": "\xc3\x28"}',
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b'{"amount": 1e400}',
    b'{"amount": 123456789012345678901234567890123456789}',
    b"{" + b'"k": 1,' * 5_000 + b'"k": 1}',
]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = [
    _b64("rw:1099511627776"),
    _b64("le:99999999999999999999999"),
    _b64("n:9223372036854775808"),
    _b64("v1:-5"),
    _b64("kn:0"),
    _b64("le:²"),
    "%00",
    "!!!",
    "x" * 64,
    "x" * 65,
    "%FF%FE",
]
BAD_LIMITS = ["0", "-1", "101", "abc", "9" * 30, "1.5", "%00"]
BAD_INT_SEGMENTS = ["0", "-1", "2147483648", "9223372036854775808", "99999999999999999999999", "abc", "1e5"]
BAD_STR_SEGMENTS = ["KN%00", "tok%00", "%01", "x" * 3000, "%FF", "..%2F..%2Fetc", "%E2%80%AE", "KN-2026-999999"]


@dataclass
class Credentials:
    """Fresh tokens and till keys as the battery goes, so per-credential rate limits never bite."""

    till_keys: list[str]
    phone: str = "+84901230000"
    sent: int = 0
    per_credential: int = 50
    started: float = field(default_factory=time.time)
    _minted: dict[int, str] = field(default_factory=dict)

    def member(self) -> dict[str, str]:
        self.sent += 1
        slot = self.sent // self.per_credential
        if slot not in self._minted:
            # A distinct issue time per slot (from a fixed start) makes a distinct token.
            self._minted[slot] = member_token(self.phone, now=self.started - slot)
        return {"Authorization": f"Bearer {self._minted[slot]}"}

    def till(self) -> dict[str, str]:
        self.sent += 1
        key = self.till_keys[(self.sent // self.per_credential) % len(self.till_keys)]
        return {"Authorization": f"Bearer {key}"}


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


class Battery:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def probes(self) -> Iterator[tuple[str, Probe]]:
        """(credential kind, probe) for every operation of the document."""
        for template, operations in self.document["paths"].items():
            for method, operation in operations.items():
                method = method.upper()
                kind = "till" if template.startswith("/api/v1/pos") else "member" if template.startswith("/api") else ""
                if (method, template) == ("DELETE", "/api/v1/me"):
                    # A good credential would erase the battery's member: bad credentials only.
                    yield from (("", p) for p in self._credential_probes(method, template))
                    continue
                yield from ((kind, p) for p in self._operation_probes(method, template, operation))
                yield from (("", p) for p in self._credential_probes(method, template))

    def _operation_probes(self, method: str, template: str, operation: dict[str, Any]) -> Iterator[Probe]:
        params = operation.get("parameters", [])
        good = self._fill_path(template, params)
        for param in params:
            if param["in"] == "path":
                bad = BAD_INT_SEGMENTS if param["schema"].get("type") == "integer" else BAD_STR_SEGMENTS
                for segment in bad:
                    yield Probe(
                        method, template.replace("{" + param["name"] + "}", segment).replace("{", "").replace("}", "")
                    )
            if param["in"] == "query":
                values = BAD_CURSORS if param["name"] == "cursor" else BAD_LIMITS
                for value in values:
                    yield Probe(method, good, query=f"{param['name']}={value}")
        yield Probe(method, good, query="limit=5&limit=6&%00=1")
        schema = self._body_schema(operation)
        if method in WRITE_METHODS:
            yield from self._body_probes(method, good, schema)
            for key in ["x" * 300, "a\u0000b", "", "tab\there", "ключ"]:
                body = _json(self.example(schema)) if schema else None
                yield Probe(method, good, body=body, headers={"Idempotency-Key": key})
            yield Probe(method, good, body=b"{}", headers={"Content-Type": "text/plain"})
            yield Probe(method, good, body=b"<x/>", headers={"Content-Type": "application/xml"})

    def _credential_probes(self, method: str, template: str) -> Iterator[Probe]:
        path = template.replace("{", "").replace("}", "")
        for auth in [
            "",
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer " + "x" * 10_000,
            "Bearer a.b.c",
            "Bearer tt_\u0000",
            "Bearer " + member_token("+84901230000", uid="u" * 200),
            "Bearer " + _token_with_claims(phone_number=84901230000),
            "Bearer " + _token_with_claims(phone_number=["+84901230000"]),
            "Bearer " + _token_with_claims(phone_number="+8490\u00001230000"),
            "Bearer " + _token_with_claims(exp="tomorrow"),
            "Bearer " + _token_with_claims(sub=12345, user_id=12345),
            "Bearer " + _token_with_claims(iat="x", auth_time=None),
        ]:
            yield Probe(method, path, body=b"{}" if method in WRITE_METHODS else None, headers={"Authorization": auth})

    def _body_probes(self, method: str, path: str, schema: dict[str, Any] | None) -> Iterator[Probe]:
        for raw in WHOLE_BODIES:
            yield Probe(method, path, body=raw, headers={"Content-Type": "application/json"})
        if schema is None:
            return
        base = self.example(schema)
        for name, prop in self.properties(schema).items():
            for bad in BAD_VALUES:
                yield Probe(method, path, body=_json({**base, name: bad}))
            item = self._item_schema(prop)
            if item is not None:
                item_base = self.example(item)
                for item_name in self.properties(item):
                    for bad in BAD_VALUES:
                        yield Probe(method, path, body=_json({**base, name: [{**item_base, item_name: bad}]}))
        yield Probe(method, path, body=_json({**base, "unknown_field": 1}))

    def refused_writes(self) -> Iterator[tuple[str, Probe]]:
        """Write probes that must be refused whatever the state: broken bodies, a NUL in a text
        field, a float or text where an integer goes. (credential kind, probe) like probes()."""
        for template, operations in self.document["paths"].items():
            for method, operation in operations.items():
                method = method.upper()
                schema = self._body_schema(operation)
                if method not in WRITE_METHODS or schema is None:
                    continue
                kind = "till" if template.startswith("/api/v1/pos") else "member"
                path = self._fill_path(template, operation.get("parameters", []))
                for raw in WHOLE_BODIES[2:]:
                    yield kind, Probe(method, path, body=raw)
                base = self.example(schema)
                for name, prop in self.properties(schema).items():
                    for bad in self._wrong_for(prop):
                        yield kind, Probe(method, path, body=_json({**base, name: bad}))

    def _wrong_for(self, prop: dict[str, Any]) -> list[Any]:
        kinds = {self.resolve(o).get("type") for o in prop.get("oneOf", [])} | {prop.get("type")}
        if "integer" in kinds:
            return ["250000", 250000.0, 1e5, 2**63, 10**30]
        if "boolean" in kinds:
            return ["true", 1, "\u0000"]
        if "string" in kinds:
            return ["a\u0000b", "\u0000"]
        return []

    def _fill_path(self, template: str, params: list[dict[str, Any]]) -> str:
        path = template
        for param in params:
            if param["in"] == "path":
                value = "1" if param["schema"].get("type") == "integer" else "KN-2026-000001"
                path = path.replace("{" + param["name"] + "}", value)
        return path

    def _body_schema(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return self.resolve(schema) if schema else None

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def properties(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {k: self.resolve(v) for k, v in schema.get("properties", {}).items()}

    def _item_schema(self, prop: dict[str, Any]) -> dict[str, Any] | None:
        for option in [prop, *prop.get("oneOf", [])]:
            option = self.resolve(option)
            if option.get("type") == "array" and "items" in option:
                items = self.resolve(option["items"])
                if items.get("type") == "object":
                    return items
        return None

    def example(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A body of the right shape (required fields only), for one bad field at a time."""
        props = self.properties(schema)
        return {name: self._value(props[name]) for name in schema.get("required", []) if name in props}

    def _value(self, prop: dict[str, Any]) -> Any:
        options = [self.resolve(o) for o in prop.get("oneOf", [])] or [prop]
        option = next((o for o in options if o.get("type") != "null"), options[0])
        if "enum" in option:
            return option["enum"][0]
        if "const" in option:
            return option["const"]
        kind = option.get("type")
        if kind == "integer":
            return max(1, int(option.get("minimum", 1)))
        if kind == "boolean":
            return True
        if kind == "array":
            return []
        if kind == "object":
            return self.example(option)
        return "R-1"


def _json(value: Any) -> bytes:
    import msgspec

    return msgspec.json.encode(value)


def _token_with_claims(**claims: Any) -> str:
    """An emulator token whose claims have the wrong types (unsigned, as the emulator's are)."""
    import json

    from tests.conftest import PROJECT_ID

    now = int(time.time())
    body: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{PROJECT_ID}",
        "aud": PROJECT_ID,
        "sub": "attacker",
        "user_id": "attacker",
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "firebase": {"identities": {}, "sign_in_provider": "phone"},
    }
    body.update(claims)

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}."


async def row_counts() -> dict[str, int]:
    """Rows in every table of every app: what "nothing written" is measured by."""
    counts: dict[str, int] = {}
    for table in Finder().get_table_classes():
        counts[table._meta.tablename] = await table.count()
    return counts
