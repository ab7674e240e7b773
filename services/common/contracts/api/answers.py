"""What every area's answers share: the base of an answer model, and the open object.

An answer model forbids fields it does not name, so a test comparing real answers with the
document fails when a service starts answering a field nobody documented. `OpenObject` is the
answer of a route whose shape is not modelled (yet): the document says so instead of guessing.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenObject(BaseModel):
    """A JSON object whose fields are described in the README, not modelled field by field."""

    model_config = ConfigDict(extra="allow")
