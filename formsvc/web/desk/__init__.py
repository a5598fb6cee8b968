"""Officer-facing blueprint: sign-in, case list, case page, transfer, dashboard, exports.

Everything under ``/desk`` needs a signed-in account except the sign-in pages themselves;
``before_request`` enforces that (and session expiry) once for every route, and checks the
CSRF token of every POST, so no route can forget either. What a signed-in user may see of a
case is decided only in ``formsvc.officers.auth``.
"""

from .blueprint import bp  # noqa: F401  (what formsvc.create_app registers)
from . import session as _session  # noqa: E402,F401  (request hooks)
from . import views_auth, views_cases, views_county_transfer, views_overview  # noqa: E402,F401  (routes)
from . import views_outcome, views_ranking  # noqa: E402,F401  (outcomes, worker answers, 评价排名: i14)
from . import template_words, views_hard_cases, views_new_case, views_notices, views_roster  # noqa: E402,F401  (i17)
from . import views_content  # noqa: E402,F401  (门户内容: editors, issue 26)
