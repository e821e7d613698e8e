"""A submission's file: multipart uploads sniffed by content with the chat's rules (a PNG and a
PDF accepted, SVG and HTML refused whatever their name, 10 MB), stored under UPLOAD_DIR and
served only to those who may see the homework, with the chat downloads' headers; a
resubmission replaces the file."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.http import api_token

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFUSED = [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "drawing.svg"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "drawing.png"),
    (b"<!DOCTYPE html><html><body>answer</body></html>", "answer.html"),
    (b"<html><body>renamed</body></html>", "answer.txt"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "answer.exe"),
]


@pytest.fixture
def tok(demo):
    tokens: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in tokens:
            tokens[name] = api_token(demo[name])
        return tokens[name]

    return get


@pytest.fixture
def homework_id(demo):
    """A fresh homework of Anna's Maths enrollment (set through the service)."""
    from thebot.extensions import db
    from thebot.models import Enrollment
    from thebot.services.homework import work

    maths = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.student.id, Enrollment.teacher_id == demo.teacher.id
        )
    )
    return work.set_homework(
        demo.teacher,
        enrollment_id=maths.id,
        title="Graph of y = x²",
        instructions="Draw it and upload a photo.",
        due_at=datetime.now(UTC) + timedelta(days=2),
        max_score=5,
    ).id


def upload(web, token, homework_id, data: bytes | None, name: str = "", **fields):
    form = dict(fields)
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return web.api(
        "POST",
        f"/api/v1/homework/{homework_id}/submission",
        token=token,
        data=form,
        content_type="multipart/form-data",
    )


def files_in(uploads_dir) -> list[str]:
    return sorted(str(p.relative_to(uploads_dir)) for p in uploads_dir.rglob("*") if p.is_file())


def state(homework_id):
    from thebot.extensions import db
    from thebot.models import Homework

    db.session.expire_all()
    hw = db.session.get(Homework, homework_id)
    row = hw.submission
    return hw.status.value, (row.attachment_key if row else None)


def test_a_png_is_accepted_stored_and_served_inline(web, tok, homework_id, uploads_dir):
    answer = upload(web, tok("student"), homework_id, PNG, "graph", text="Photo attached.")
    assert answer.status_code == 200, answer.get_json()
    submission = answer.get_json()["submission"]
    assert submission["text"] == "Photo attached."
    assert submission["attachment"] == {
        "url": f"/api/v1/homework/{homework_id}/attachment",
        "name": "graph.png",
        "size": len(PNG),
        "content_type": "image/png",
    }
    status, key = state(homework_id)
    assert status == "submitted" and key.startswith(f"homework/{homework_id}/")
    assert (uploads_dir / key).read_bytes() == PNG
    download = web.api("GET", submission["attachment"]["url"], token=tok("teacher"))
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("inline")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["Cache-Control"] == "private, no-store"


def test_a_file_alone_is_a_submission_and_documents_download(web, tok, homework_id):
    answer = upload(web, tok("student"), homework_id, PDF, "../../etc/answer.pdf")
    assert answer.status_code == 200
    attachment = answer.get_json()["submission"]["attachment"]
    assert attachment["name"] == "answer.pdf" and answer.get_json()["submission"]["text"] == ""
    download = web.api("GET", attachment["url"], token=tok("parent"))
    assert download.data == PDF and download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="answer.pdf"')


@pytest.mark.parametrize("data,name", REFUSED)
def test_markup_and_other_files_are_refused_whatever_their_name(
    web, tok, homework_id, uploads_dir, data, name
):
    before = files_in(uploads_dir)
    answer = upload(web, tok("student"), homework_id, data, name, text="see file")
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and "not accepted" in error["message"]
    assert state(homework_id) == ("set", None) and files_in(uploads_dir) == before


def test_ten_megabytes_is_the_limit_and_an_empty_form_is_refused(web, tok, homework_id):
    over = upload(web, tok("student"), homework_id, b"a" * (10 * 1024 * 1024 + 1), "big.txt")
    assert over.status_code == 413 and over.get_json()["error"]["code"] == "too_large"
    assert upload(web, tok("student"), homework_id, b"", "empty.txt").status_code == 400
    nothing = upload(web, tok("student"), homework_id, None, text="   ")
    assert nothing.status_code == 400 and state(homework_id) == ("set", None)


def test_the_file_is_served_only_to_who_may_see_the_homework(web, tok, homework_id):
    upload(web, tok("student"), homework_id, PDF, "answer.pdf")
    url = f"/api/v1/homework/{homework_id}/attachment"
    for who in ("student", "teacher", "parent", "tutor", "admin"):
        assert web.api("GET", url, token=tok(who)).data == PDF, who
    for who in ("teacher2", "parent2", "tutor2", "student2", "student3"):
        refused = web.api("GET", url, token=tok(who))
        assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert web.http.application.test_client().get(url).status_code == 401
    web.login("parent")  # the pages download with the browser session
    assert web.get(url).data == PDF


def test_text_only_has_no_file_and_a_resubmission_replaces_the_file(
    web, tok, demo, homework_id, uploads_dir
):
    from thebot.services.homework import work

    url = f"/api/v1/homework/{homework_id}/attachment"
    assert web.api("GET", url, token=tok("student")).status_code == 404  # nothing handed in
    upload(web, tok("student"), homework_id, PNG, "first.png")
    _status, first_key = state(homework_id)
    work.return_homework(demo.teacher, homework_id, feedback="Label the axes.")
    assert web.api("GET", url, token=tok("teacher")).data == PNG  # kept while returned
    again = upload(web, tok("student"), homework_id, PDF, "second.pdf", text="Axes labelled.")
    assert again.get_json()["submission"]["attachment"]["name"] == "second.pdf"
    _status, second_key = state(homework_id)
    assert second_key != first_key and not (uploads_dir / first_key).exists()
    assert web.api("GET", url, token=tok("teacher")).data == PDF
    work.return_homework(demo.teacher, homework_id, feedback="One more detail.")
    text_only = web.api(
        "POST",
        f"/api/v1/homework/{homework_id}/submission",
        token=tok("student"),
        json={"text": "Typed out instead."},
    )
    assert text_only.get_json()["submission"]["attachment"] is None
    assert not (uploads_dir / second_key).exists()
    assert web.api("GET", url, token=tok("teacher")).status_code == 404
