"""Process harness for the mod_people integration tests, split by job as httpd's test/pyhttpd:

  env       paths, constants (API_BASE, the LOC_* locations, RUN_USER) and process helpers
  logs      following log files; the one check for unexpected error-log lines
  config    HttpdConf, the configuration builder, and the on_config / on_setup hooks
            through which a feature's tests add locations, modules and files
  postgres  the throw-away PostgreSQL cluster of the run
  http      the API client (Api) and the fixture users (User)
  server    the server lifecycle (Server, start, serve)

Nothing here knows pytest: conftest.py turns it into fixtures. Tests keep writing
`harness.NAME` for any of these names.
"""

from .env import *  # noqa: F401,F403
from .env import _running  # noqa: F401 (for subclasses that start servers themselves)
from .logs import *  # noqa: F401,F403
from .config import HttpdConf, on_config, on_setup  # noqa: F401
from .postgres import PostgreSQL  # noqa: F401
from .http import Api, User  # noqa: F401
from .server import Server, serve, start  # noqa: F401
