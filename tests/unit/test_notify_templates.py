"""Every notice renders in Chinese and in English from its fields, and only from them."""
import pytest

from services.notify import templates

SAMPLE = {
    "kind": "theory_reading", "kind_name": "阅读党的理论书籍", "delta_signed": "+2", "period": "2026-11",
    "period_total": 4, "activity_title": "学习党章", "branch_name": "教工第一党支部", "date": "2026-11-24",
    "time": "14:30", "place": "行政楼 302", "missing_count": 2, "days_left": 3,
    "missing_names": "志愿服务、听取党外群众意见", "missing": "volunteer_service, opinion_listening",
    "partner_name": "赵老师", "mentor_name": "王芳", "due_on": "2026-11-20", "days_overdue": 4,
    "need_title": "实验室设备维修", "raised_by_name": "陈静", "raised_on": "2026-11-01", "status_name": "已指派",
    "status": "assigned", "members": 12, "deductions": -3, "missing_duties": 2, "unexcused_absences": 1,
    "title": "关于开展主题党日活动的通知", "body": "请各党员按时参加。", "sent_on": "2026-11-02",
    "member_name": "张伟", "step_name": "党组织派人谈话", "letter_no": "转字〔2026〕1号", "outcome": "refused",
    "outcome_name": "未被接收，组织关系保留在本学院",
}
ISSUE_NOTICES = {"activity_day_tomorrow", "duties_missing", "pairing_contact_overdue", "need_overdue",
                 "points_statement", "points_awarded"}


def test_every_reminder_of_the_issue_has_a_template():
    assert ISSUE_NOTICES <= set(templates.TEMPLATES)
    assert templates.PERSON_NOTICES | templates.BRANCH_NOTICES == set(templates.TEMPLATES)
    assert not templates.PERSON_NOTICES & templates.BRANCH_NOTICES


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_template_renders_every_field(key, language):
    template = templates.TEMPLATES[key]
    values = {name: SAMPLE[name] for name in template.fields()}
    title, body = template.render(language, **values)
    assert "{" not in title + body and title and body
    assert len(title) <= 200
    if language == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title + body)
    else:
        assert title.isascii() or any(str(v) in title for v in values.values())


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES))
def test_missing_field_is_refused(key):
    template = templates.TEMPLATES[key]
    values = {name: SAMPLE[name] for name in template.fields()}
    values.pop(sorted(values)[0])
    with pytest.raises(KeyError):
        template.render("zh", **values)


def test_unknown_language_falls_back_to_english():
    values = {name: SAMPLE[name] for name in templates.TEMPLATES["points_statement"].fields()}
    assert templates.render("points_statement", "fr", **values) == templates.render("points_statement", "en", **values)
