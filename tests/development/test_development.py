"""The development pipeline (发展党员) through the gateway: one person from application to full
membership, with an overdue step reminded once; a back-filled member; the branch's view; the
status route and the bad input."""
from tests.pairing.conftest import Branch, inbox, wait_inbox

# Every step in order, dated after the waiting periods of the rules (a year as an activist, a year
# of probation), with the materials and, for the two meetings, their votes.
MEETING = {"votes": {"votes_for": 18, "votes_against": 1, "votes_abstained": 1}}
WHOLE_PIPELINE = [
    ("submit_application", "2023-01-05", {"materials": ["入党申请书"]}),
    ("application_talk", "2023-02-12", {"actors": "王芳"}),
    ("recommend_activist", "2023-03-01", {}),
    ("file_activist", "2023-03-10", {}),
    ("assign_mentors", "2023-03-10", {"actors": "王芳、李明"}),
    ("activist_education", "2024-02-20", {"materials": ["培养考察登记表", "思想汇报"]}),
    ("determine_candidate", "2024-03-01", {}),
    ("file_candidate", "2024-03-05", {}),
    ("assign_introducers", "2024-03-05", {"actors": "王芳、李明"}),
    ("political_review", "2024-04-01", {}),
    ("candidate_training", "2024-04-20", {}),
    ("branch_committee_review", "2024-05-06", {}),
    ("prereview", "2024-05-10", {}),
    ("fill_form", "2024-05-15", {"materials": ["入党志愿书"]}),
    ("admission_meeting", "2024-05-20", MEETING),
    ("committee_talk", "2024-06-01", {}),
    ("admission_approval", "2024-06-10", {}),
    ("file_admission", "2024-06-15", {}),
    ("oath", "2024-07-01", {}),
    ("probation_education", "2025-04-01", {}),
    ("apply_conversion", "2025-04-25", {"materials": ["转正申请书"]}),
    ("conversion_committee_review", "2025-05-08", {}),
    ("conversion_meeting", "2025-05-21", MEETING),
    ("conversion_approval", "2025-06-10", {}),
    ("archive", "2025-06-20", {}),
]


def test_a_whole_pipeline_from_application_to_full_membership(api):
    branch = Branch(api)
    admin, secretary = branch.admin, branch.secretary["id"]
    person = branch.college.add_member("张伟", political_status="non_party")
    steps_path = f"/v1/members/{person['id']}/development/steps"

    def record(code, day, extra):
        return admin.ok("POST", steps_path, 201, json={"step": code, "done_on": day, **extra})

    record(*WHOLE_PIPELINE[0])
    # The talk is due a month after the application: scanning on 2023-02-10 finds it overdue and
    # tells the secretary once, however often the scan runs.
    assert admin.ok("POST", "/v1/development-scans", json={"on": "2023-02-10"})["development_step_due"] == 1
    assert admin.ok("POST", "/v1/development-scans", json={"on": "2023-02-10"})["development_step_due"] == 0
    reminded = wait_inbox(admin, secretary, "development_step_overdue", 1)
    assert "张伟" in reminded[0]["title"] and "2023-02-05" in reminded[0]["body"]
    view = admin.ok("GET", f"/v1/org-units/{branch.branch_id}/development")
    assert [(i["name"], i["next_step"], i["due_on"]) for i in view["overdue"]] == [
        ("张伟", "application_talk", "2023-02-05")]

    # Out of order, before the waiting period, a meeting without its vote: refused, nothing written.
    out_of_order = admin.post(steps_path, json={"step": "recommend_activist", "done_on": "2023-03-01"})
    assert out_of_order.status_code == 400 and out_of_order.json()["details"][0]["field"] == "step"
    for code, day, extra in WHOLE_PIPELINE[1:6]:
        record(code, day, extra)
    too_early = admin.post(steps_path, json={"step": "determine_candidate", "done_on": "2024-02-29"})
    assert too_early.status_code == 400 and too_early.json()["details"][0]["field"] == "done_on"
    assert "2024-03-01" in too_early.json()["message"]
    for code, day, extra in WHOLE_PIPELINE[6:14]:
        record(code, day, extra)
    no_vote = admin.post(steps_path, json={"step": "admission_meeting", "done_on": "2024-05-20"})
    assert no_vote.status_code == 400 and no_vote.json()["details"][0]["field"] == "votes"
    lost = admin.post(steps_path, json={"step": "admission_meeting", "done_on": "2024-05-20",
                                        "votes": {"votes_for": 5, "votes_against": 5}})
    assert lost.status_code == 400 and lost.json()["details"][0]["field"] == "votes.votes_for"
    assert admin.ok("GET", f"/v1/members/{person['id']}")["political_status"] == "candidate"
    for code, day, extra in WHOLE_PIPELINE[14:]:
        final = record(code, day, extra)

    assert final["political_status"] == "full" and final["next_step"] is None
    assert [s["step"] for s in final["steps"]] == [code for code, _, _ in WHOLE_PIPELINE]
    meeting = next(s for s in final["steps"] if s["step"] == "admission_meeting")
    assert meeting["votes"] == MEETING["votes"] and meeting["source"] == "pipeline"
    member = admin.ok("GET", f"/v1/members/{person['id']}")
    assert (member["applied_on"], member["joined_party_on"], member["full_member_on"]) == (
        "2023-01-05", "2024-06-10", "2025-06-10")
    history = admin.ok("GET", f"/v1/members/{person['id']}/status-history")
    assert [(h["to_status"], h["effective_on"]) for h in history][1:] == [
        ("applicant", "2023-01-05"), ("activist", "2023-03-01"), ("candidate", "2024-03-01"),
        ("probationary", "2024-06-10"), ("full", "2025-06-10")]
    # Complete: out of the branch's view, and no step after the last.
    view = admin.ok("GET", f"/v1/org-units/{branch.branch_id}/development")
    assert person["id"] not in [i["member_id"] for i in view["items"]]
    assert admin.post(steps_path, json={"step": "archive", "done_on": "2025-06-21"}).status_code == 400
    # The person's own view reads the same record.
    mine = branch.college.member_api(person["id"])
    assert len(mine.ok("GET", f"/v1/members/{person['id']}/development")["steps"]) == 25
    assert inbox(admin, secretary, "development_step_overdue")[0]["id"] == reminded[0]["id"]


def test_a_back_filled_member_and_the_status_route_record_steps(api):
    branch = Branch(api)
    admin = branch.admin
    # A member imported as full with no dates: the milestones are on record, undated.
    veteran = branch.college.add_member("刘洋", political_status="full")
    record = admin.ok("GET", f"/v1/members/{veteran['id']}/development")
    assert [(s["step"], s["done_on"], s["source"]) for s in record["steps"]] == [
        ("submit_application", None, "roster"), ("recommend_activist", None, "roster"),
        ("determine_candidate", None, "roster"), ("admission_approval", None, "roster"),
        ("conversion_approval", None, "roster")]
    backfill = f"/v1/members/{veteran['id']}/development/backfill"
    backwards = admin.post(backfill, json={"steps": [{"step": "submit_application", "done_on": "2001-03-01"},
                                                      {"step": "recommend_activist", "done_on": "2000-09-01"}]})
    assert backwards.status_code == 400 and backwards.json()["details"][0]["field"] == "steps[1].done_on"
    filled = admin.ok("POST", backfill, 201, json={"steps": [
        {"step": "submit_application", "done_on": "2001-03-01"},
        {"step": "recommend_activist", "done_on": "2001-09-01"},
        {"step": "determine_candidate", "done_on": "2002-09-01"},
        {"step": "admission_meeting", "done_on": "2002-12-01", **MEETING},
        {"step": "admission_approval", "done_on": "2003-01-10"},
        {"step": "conversion_approval", "done_on": "2004-01-20", "materials": ["审批意见"]}]})
    assert filled["political_status"] == "full"
    assert [(s["step"], s["done_on"], s["source"]) for s in filled["steps"]][-2:] == [
        ("admission_approval", "2003-01-10", "backfill"), ("conversion_approval", "2004-01-20", "backfill")]
    member = admin.ok("GET", f"/v1/members/{veteran['id']}")
    assert (member["applied_on"], member["joined_party_on"], member["full_member_on"]) == (
        "2001-03-01", "2003-01-10", "2004-01-20")

    # A non-Party teacher back-filled to activist moves through the statuses, one at a time.
    teacher = branch.teacher
    moved = admin.ok("POST", f"/v1/members/{teacher['id']}/development/backfill", 201, json={"steps": [
        {"step": "submit_application", "done_on": "2024-03-01"},
        {"step": "recommend_activist", "done_on": "2024-10-01"}]})
    assert moved["political_status"] == "activist" and moved["next_step"] == "file_activist"
    history = admin.ok("GET", f"/v1/members/{teacher['id']}/status-history")
    assert [h["to_status"] for h in history] == ["non_party", "applicant", "activist"]
    view = admin.ok("GET", f"/v1/org-units/{branch.branch_id}/development")
    assert [(i["name"], i["stage"], i["next_step"]) for i in view["items"]] == [("赵老师", "activist", "file_activist")]
    # Whoever follows the activist up sees the same: where the pipeline stands.
    admin.ok("POST", f"/v1/members/{teacher['id']}/followers", 201, json={
        "follower_id": branch.mentor["id"], "assigned_on": "2024-10-02"})
    followed = branch.mentor_api.ok("GET", f"/v1/members/{branch.mentor['id']}/development/followed")
    assert [(i["name"], i["next_step"]) for i in followed] == [("赵老师", "file_activist")]

    # The status route records the milestone of the status it reports.
    admin.ok("POST", f"/v1/members/{teacher['id']}/status", json={"to_status": "candidate",
                                                                   "effective_on": "2025-10-02"})
    steps = admin.ok("GET", f"/v1/members/{teacher['id']}/development")["steps"]
    assert (steps[-1]["step"], steps[-1]["done_on"], steps[-1]["source"]) == (
        "determine_candidate", "2025-10-02", "status_route")
    # Back to non_party: the record closes; a new application starts a fresh one.
    admin.ok("POST", f"/v1/members/{teacher['id']}/status", json={"to_status": "non_party",
                                                                   "effective_on": "2025-11-01"})
    closed = admin.ok("GET", f"/v1/members/{teacher['id']}/development")
    assert closed["steps"] == [] and closed["next_step"] == "submit_application"
    assert [s["step"] for s in closed["earlier"]][-1] == "withdrawal"
