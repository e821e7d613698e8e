from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from thebot.models import Role


class ProfileFields:
    """Profile fields of every role; the page shows those of the account's role."""

    grade = IntegerField(_l("Grade (1–12)"), validators=[Optional(), NumberRange(1, 12)])
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    bio = TextAreaField(
        lazy_pgettext("profile field: a person's bio", "About"),
        validators=[Optional(), Length(max=2000)],
    )
    subjects = StringField(_l("Subjects taught"), validators=[Optional(), Length(max=255)])


class UserCreateForm(ProfileFields, FlaskForm):
    # The route fills the choices with translated role names (admin.routes._role_choices).
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=256)])


class UserEditForm(ProfileFields, FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=8, max=256)],
        description=_l("Leave empty to keep the current password."),
    )


class LinksForm(FlaskForm):
    tutor_id = SelectField(_l("Tutor"), coerce=int)
    parent_id = SelectField(_l("Parent"), coerce=int)
    # Optional: a post without it (an older client) keeps the guardian as it is.
    guardian_id = SelectField(
        _l("Second guardian"),
        coerce=int,
        validators=[Optional()],
        description=_l("Optional: another parent account who sees what the parent sees."),
    )


class SubjectForm(FlaskForm):
    name = StringField(
        lazy_pgettext("a subject's name", "Name"), validators=[DataRequired(), Length(max=120)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


PROFILE_FIELD_NAMES = {
    Role.STUDENT: ("grade", "goal"),
    Role.PARENT: ("phone",),
    Role.TUTOR: ("bio", "subjects"),
    Role.TEACHER: ("bio", "subjects"),
    Role.ADMIN: (),
}
