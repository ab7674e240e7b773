"""Notice templates: Chinese first, English as the fallback. Pure functions of their fields."""
from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

KIND_NAMES_ZH = {
    "opinion_listening": "听取党外群众意见",
    "activist_followup": "掌握入党积极分子学习状态",
    "theory_reading": "阅读党的理论书籍",
    "volunteer_service": "志愿服务",
}


@dataclass(frozen=True)
class Template:
    key: str
    title: dict[str, str]
    body: dict[str, str]

    def fields(self) -> set[str]:
        names = set()
        for text in (*self.title.values(), *self.body.values()):
            names |= {name for _, name, _, _ in Formatter().parse(text) if name}
        return names

    def render(self, language: str = "zh", **values) -> tuple[str, str]:
        lang = language if language in self.title else "en"
        return self.title[lang].format(**values), self.body[lang].format(**values)


TEMPLATES = {
    t.key: t for t in (
        Template(
            key="points_awarded",
            title={"zh": "积分变动：{delta_signed} 分", "en": "Points: {delta_signed}"},
            body={
                "zh": "您的“{kind_name}”已记录，积分 {delta_signed}。{period} 月累计 {period_total} 分。",
                "en": "Your '{kind}' was recorded: {delta_signed} points. Total for {period}: {period_total}.",
            },
        ),
    )
}


def render(key: str, language: str = "zh", **values) -> tuple[str, str]:
    return TEMPLATES[key].render(language, **values)
