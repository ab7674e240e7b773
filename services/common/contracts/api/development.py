"""Validated inputs of the development pipeline's entrypoints."""
from __future__ import annotations

from pydantic import Field, model_validator

from services.common.validation import IsoDate
from services.common.contracts.api.members import Strict

Code = Field(min_length=1, max_length=40)


class Votes(Strict):
    """A meeting's vote (支部大会): counted heads, for, against and abstaining."""

    votes_for: int = Field(ge=0, le=10000)
    votes_against: int = Field(ge=0, le=10000)
    votes_abstained: int = Field(default=0, ge=0, le=10000)


class StepRecord(Strict):
    step: str = Code
    done_on: IsoDate
    actors: str | None = Field(default=None, min_length=1, max_length=200)
    materials: list[str] = Field(default_factory=list, max_length=20)
    votes: Votes | None = None
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _materials_named(self):
        for name in self.materials:
            if not name.strip() or len(name) > 200:
                raise ValueError("materials: each material is a name of 1 to 200 characters")
        return self


class BackfillStep(StepRecord):
    # A historical step whose date is lost may still be put on record (its date left unknown).
    done_on: IsoDate | None = None


class Backfill(Strict):
    steps: list[BackfillStep] = Field(min_length=1, max_length=25)


class ScanRequest(Strict):
    on: IsoDate | None = None
