from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class NewFamilyForm(FlaskForm):
    # One-time key of this form (families.new_family_form_key): a resubmission makes nothing new.
    form_key = HiddenField(validators=[Optional(), Length(max=64)])
    student_name = StringField(
        _l("Student's full name"), validators=[DataRequired(), Length(max=120)]
    )
    grade = IntegerField(_l("Grade"), validators=[Optional(), NumberRange(1, 12)])
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)])
    parent_name = StringField(
        _l("Parent's full name"), validators=[DataRequired(), Length(max=120)]
    )
    parent_email = EmailField(
        _l("Parent's e-mail"),
        validators=[Optional(), Length(max=254)],
        description=_l("Optional. The parent can sign in with it."),
    )
    parent_phone = StringField(_l("Parent's phone"), validators=[Optional(), Length(max=32)])
    student_email = EmailField(
        _l("Student's e-mail"),
        validators=[Optional(), Length(max=254)],
        description=_l(
            "Optional. An account with an e-mail gets an invitation to choose a password."
        ),
    )


class StudentEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    grade = IntegerField(_l("Grade"), validators=[Optional(), NumberRange(1, 12)])
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=2000)])


class ParentEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])


class LinkParentForm(FlaskForm):
    parent_id = SelectField(_l("A parent you know"), coerce=int, validators=[Optional()])
    parent_login = StringField(
        _l("…or the parent's username or e-mail"), validators=[Optional(), Length(max=254)]
    )


class LinkGuardianForm(FlaskForm):
    guardian_id = SelectField(_l("A parent you know"), coerce=int, validators=[Optional()])
    guardian_login = StringField(
        _l("…or their username or e-mail"), validators=[Optional(), Length(max=254)]
    )


class EnrollForm(FlaskForm):
    subject_id = SelectField(_l("Subject"), coerce=int, validators=[DataRequired()])
    teacher_id = SelectField(_l("Teacher"), coerce=int, validators=[DataRequired()])
    custom_title = StringField(
        _l("Custom title"),
        validators=[Optional(), Length(max=120)],
        description=_l("Optional, e.g. “Maths — exam preparation”."),
    )


def fill_parent_choices(form: LinkParentForm, parents, profile=None) -> None:
    """The parents the tutor knows (any may become the primary parent; `profile` is taken for
    the same call shape as fill_guardian_choices)."""
    form.parent_id.choices = [(0, "—")] + [(p.id, p.full_name) for p in parents]


def fill_guardian_choices(form: LinkGuardianForm, parents, profile) -> None:
    """The parents the tutor knows, but not the student's primary parent or current guardian."""
    taken = {profile.parent_id, profile.guardian_id} if profile is not None else set()
    form.guardian_id.choices = [(0, "—")] + [
        (p.id, p.full_name) for p in parents if p.id not in taken
    ]


def fill_enroll_choices(form: EnrollForm, subjects, teachers) -> None:
    form.subject_id.choices = [(0, "—")] + [(s.id, s.name) for s in subjects]
    form.teacher_id.choices = [(0, "—")] + [
        (
            t.id,
            f"{t.full_name} ({t.teacher_profile.subjects})"
            if t.teacher_profile and t.teacher_profile.subjects
            else t.full_name,
        )
        for t in teachers
    ]
