"""Entry point: choose the async mode and patch before anything else is imported, then serve.

`python wsgi.py` serves the app and Socket.IO (HOST, PORT); `flask --app wsgi …` runs the CLI;
a WSGI server may import `app` from here.
"""

import os
import sys

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
# Patch only when this module loads first (serving). Under the `flask` CLI Flask is imported
# already: patching then is too late (eventlet prints tracebacks) and commands need no patching.
PATCH = "flask" not in sys.modules
if ASYNC_MODE == "eventlet" and PATCH:
    import eventlet

    eventlet.monkey_patch()
    # psycopg2 talks to PostgreSQL in C (libpq), out of the hub's reach: without a wait
    # callback every query blocks the whole process (every socket waits while one request is
    # in the database); with one, a query waits like a green socket. monkey_patch() sets an
    # equivalent callback itself when psycopg2 imports; psycogreen's is set explicitly, as for
    # gevent, so the guarantee does not rest on a default (tests/test_db_nonblocking.py).
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
elif ASYNC_MODE == "gevent" and PATCH:
    from gevent import monkey

    monkey.patch_all()
    from psycogreen.gevent import patch_psycopg as patch_psycopg_gevent

    patch_psycopg_gevent()

from dotenv import load_dotenv  # noqa: E402

load_dotenv()  # ASYNC_MODE itself must come from the environment: it is read before this

from thebot import create_app  # noqa: E402
from thebot.server import serve  # noqa: E402

app = create_app()

if __name__ == "__main__":
    serve(app, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
