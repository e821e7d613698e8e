"""All models, imported here so Alembic and the app see the whole metadata."""

from thebot.models.accounts import (  # noqa: F401
    ApiToken,
    LoginSession,
    ParentProfile,
    Role,
    ServerProcess,
    SocketConnection,
    StudentProfile,
    TeacherProfile,
    TutorProfile,
    User,
)
from thebot.models.billing import (  # noqa: F401
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    Payment,
    PaymentStatus,
)
from thebot.models.chat import (  # noqa: F401
    ChatMember,
    ChatMessage,
    ChatRoom,
    ChatSocketJoin,
    MessageKind,
    RoomKind,
)
from thebot.models.families import AccountInvitation, FamilyCreation  # noqa: F401
from thebot.models.homework import Homework, HomeworkStatus, HomeworkSubmission  # noqa: F401
from thebot.models.learning import Enrollment, Subject  # noqa: F401
from thebot.models.lesson_billing import InvoiceLesson  # noqa: F401
from thebot.models.lessons import CalendarFeed, Lesson, LessonEvent, LessonStatus  # noqa: F401
from thebot.models.notifications import Notification, NotificationSetting  # noqa: F401
from thebot.models.reports import Report, ReportKind, ReportStatus  # noqa: F401
