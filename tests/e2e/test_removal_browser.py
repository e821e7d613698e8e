"""Removing an account in real Chromium against a real server (issue 11 point 5): the admin
opens a teacher's page, follows "Delete account", reads what will happen and confirms; the
parent's chat page, in Russian, then shows the teacher's message as from "Удалённый
пользователь", and the teacher's old name is gone from it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import browser_login
from tests.support.realtime import subject_room

pytestmark = pytest.mark.browser

WORDS = "Homework: exercises 3 to 7, due Friday."


def test_an_admin_removes_a_teacher_and_the_chat_shows_deleted_user(new_page, demo):
    from thebot.extensions import db
    from thebot.services.chat import messages

    room_id = subject_room(demo.student, "Maths")
    messages.send_message(demo.teacher, room_id, WORDS)
    db.session.commit()
    teacher_id, teacher_name = demo.teacher.id, demo.teacher.full_name

    admin = new_page()
    browser_login(admin, "admin")
    admin.goto(f"/admin/users/{teacher_id}")
    admin.locator("[data-test=delete-account]").click()
    expect(admin).to_have_url(re.compile(rf"/admin/users/{teacher_id}/delete$"))
    effects = admin.locator("[data-test=removal-effects]")
    expect(effects).to_contain_text('shown as from "Deleted user"')
    expect(effects).to_contain_text("Its active subjects end")
    admin.locator("[data-test=remove-user] button").click()
    expect(admin).to_have_url(re.compile(r"/admin/users$"))
    expect(admin.locator("body")).to_contain_text("The account is removed.")
    expect(admin.locator("[data-test=admin-users]")).not_to_contain_text(teacher_name)

    parent = new_page(locale="ru")
    browser_login(parent, "parent")
    parent.goto(f"/chat/?room={room_id}")
    bubble = parent.locator("li[data-test=message]").filter(
        has=parent.locator("[data-test=body]", has_text=WORDS)
    )
    expect(bubble.locator("[data-test=sender]")).to_have_text("Удалённый пользователь")
    expect(parent.locator("[data-test=messages]")).not_to_contain_text(teacher_name)
