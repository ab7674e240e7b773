"""What a route declares besides its code: the models it reads and answers, its query arguments.

`route` and `xlsx_route` attach a `RouteSpec` to every entrypoint; `services.gateway.routes.table`
lists them and `services.gateway.openapi` turns them into the OpenAPI document. Pure data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.common.contracts.period import PERIOD_PATTERN
from services.common.validation import PAGE_LIMIT_MAX, PAGE_OFFSET_MAX
from services.gateway.request_keys import WRITE_METHODS

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass(frozen=True)
class Query:
    """One query argument: its name, JSON schema, whether it must be given, and what it means."""

    name: str
    schema: dict
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class RouteSpec:
    method: str
    url: str  # nameko's (werkzeug's) template: /v1/members/<member_id>
    status: int
    authenticated: bool
    body: type | None  # the pydantic model of the JSON body, or None when the route reads none
    answers: object  # a pydantic model, list[Model], or SPREADSHEET
    query: tuple[Query, ...] = ()
    media_type: str = JSON
    # Statuses an open route answers beyond the error table's: sign-in refuses a wrong password (401)
    # and locks after too many (429).
    refuses: tuple[int, ...] = ()
    name: str = field(default="", compare=False)  # the entrypoint's name, set by the table
    area: str = field(default="", compare=False)  # the route module: members, activities, ...

    @property
    def path(self) -> str:
        """The OpenAPI path template: /v1/members/{member_id}."""
        return _PATH_PARAM.sub(r"{\1}", self.url)

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.url))

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def auth(self) -> str | None:
        """The security scheme a caller needs, None for an open route."""
        return "bearer" if self.authenticated else None


class Spreadsheet:
    """The answer of a spreadsheet route: an XLSX file, not JSON."""


SPREADSHEET = Spreadsheet()

# The query arguments several routes share, with the bounds the code checks.
PAGE = (
    Query("limit", {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT_MAX, "default": 50},
          description=f"page size, 1 to {PAGE_LIMIT_MAX} (services.common.validation.check_page)"),
    Query("offset", {"type": "integer", "minimum": 0, "maximum": PAGE_OFFSET_MAX, "default": 0},
          description=f"items to skip, 0 to {PAGE_OFFSET_MAX}"),
)
MONTH = {"type": "string", "pattern": PERIOD_PATTERN}
MONTH_OR_YEAR = {"type": "string", "pattern": r"^([1-9]\d{3}-(0[1-9]|1[0-2])|[1-9]\d{3})$"}
DAY = {"type": "string", "format": "date"}
UUID = {"type": "string", "format": "uuid"}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
BOOLEAN_TEXT = {"type": "string", "enum": ["true", "false"], "default": "false"}


def period(required: bool = False, *, year_ok: bool = False, description: str = "") -> Query:
    return Query("period", MONTH_OR_YEAR if year_ok else MONTH, required,
                 description or ("a month YYYY-MM or a year YYYY" if year_ok else "a month YYYY-MM"))


def org_unit(required: bool = False, description: str = "an org unit of the caller's college") -> Query:
    return Query("org_unit_id", UUID, required, description)


def year(required: bool = True) -> Query:
    return Query("year", YEAR, required, "a year, 2000 to 2100")
