"""Partner-facing blueprint: Open311 GeoReport v2 under ``/open311/v2/`` (issue 18).

Other systems (a partner county, the provincial platform, a 12345 hotline system) read cases
without personal data and POST requests with an API key (``wagesafe api-key``). No session,
no CSRF token (``create_app`` exempts this blueprint): a key authenticates every write.
"""

from .blueprint import bp  # noqa: F401  (what formsvc.create_app registers)
from . import views  # noqa: E402,F401  (routes)
