"""The profile page's Devices section: ending one of the user's sign-ins or tokens, or all but
this browser's (POST /profile/devices/…). The list is the signins service's; sockets of what is
ended disconnect at once (the service records it for after the commit)."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm

from thebot.main import bp
from thebot.services import signins
from thebot.web import LOGIN_KEY, me


class EndDeviceForm(FlaskForm):
    """End one device, or every other one: the CSRF token only (the app-wide CSRFProtect
    checks it before the view runs)."""


def devices_context() -> dict:
    """What the profile template's Devices section needs: the rows and the form."""
    return {
        "devices": signins.list_devices(me(), login_key=session.get(LOGIN_KEY)),
        "device_form": EndDeviceForm(),
    }


def _back():
    return redirect(url_for("main.profile", _anchor="devices"), code=303)


@bp.post("/profile/devices/<device_id>/end")
@login_required
def end_device(device_id: str):
    """End one of the user's sign-ins or tokens (someone else's is 404)."""
    signins.end_device(me(), device_id)
    flash(_("The device is signed out."), "success")
    return _back()


@bp.post("/profile/devices/end-others")
@login_required
def end_other_devices():
    """End every sign-in and token of the user but this browser's."""
    ended = signins.end_other_devices(me(), login_key=session.get(LOGIN_KEY))
    flash(_("Signed out everywhere else (%(count)s).", count=ended), "success")
    return _back()
